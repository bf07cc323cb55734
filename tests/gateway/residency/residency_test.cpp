// Data residency: policy rules, stored policies and their cache, and the whole path — constraints from the
// caller's policies → routing → guard → audit — with two regions and a project allowed only one.
#include <gtest/gtest.h>

#include <atomic>
#include <map>

#include "api/call_flow.hpp"
#include "gateway/residency/policy_store.hpp"
#include "gateway/residency/residency_policy.hpp"
#include "gateway/residency/residency_router.hpp"
#include "platform/audit/audit_db.hpp"
#include "platform/audit/audit_events.hpp"
#include "platform/audit/audit_hook.hpp"
#include "platform/audit/audit_sql.hpp"
#include "support/scripted_backend.hpp"

namespace sovra::gateway::residency {
namespace {

using platform::audit::test::DbNames;
using platform::audit::test::Dbs;

routing::DeploymentInfo se() {
  return {.name = "se", .model = "m", .region = "se-sto-1", .jurisdiction = "SE", .zones = {"EU", "EEA"}};
}
routing::DeploymentInfo us() { return {.name = "us", .model = "m", .region = "us-east-1", .jurisdiction = "US"}; }

TEST(ResidencyPolicy, ConstraintsMatchRegionAndJurisdictionOrZone) {
  EXPECT_TRUE(allows({}, us()));
  EXPECT_TRUE(allows({.allowed_regions = {"se-sto-1"}}, se()));
  EXPECT_FALSE(allows({.allowed_regions = {"se-sto-1"}}, us()));
  EXPECT_TRUE(allows({.allowed_jurisdictions = {"EU"}}, se()));  // by zone
  EXPECT_FALSE(allows({.allowed_jurisdictions = {"EU"}}, us()));
  EXPECT_FALSE(allows({.allowed_regions = {"se-sto-1"}, .allowed_jurisdictions = {"US"}}, se()));  // both must hold
  routing::DeploymentInfo unlabeled{.name = "x"};
  EXPECT_FALSE(allows({.allowed_jurisdictions = {"EU"}}, unlabeled));  // unknown location never passes a policy
}

TEST(ResidencyPolicy, AProjectCanOnlyNarrowItsOrganization) {
  ResidencyPolicy org{.scope_id = "org_a", .org_id = "org_a", .allowed_jurisdictions = {"EU"}};
  ResidencyPolicy project{.scope_id = "proj_a", .org_id = "org_a", .allowed_regions = {"se-sto-1"}};
  EXPECT_TRUE(check_narrows(project, org));
  project.allowed_jurisdictions = {"US"};
  auto st = check_narrows(project, org);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().param, "allowed_jurisdictions");
  // Combined: both dimensions; an empty intersection refuses everything rather than allowing everything.
  auto c = combine(org, ResidencyPolicy{.scope_id = "proj_a", .org_id = "org_a", .allowed_regions = {"se-sto-1"}});
  EXPECT_EQ(c.allowed_regions, std::vector<std::string>{"se-sto-1"});
  EXPECT_EQ(c.allowed_jurisdictions, std::vector<std::string>{"EU"});
  auto none = combine(ResidencyPolicy{.allowed_regions = {"a"}}, ResidencyPolicy{.allowed_regions = {"b"}});
  EXPECT_FALSE(allows(none, {.region = "a"}));
  EXPECT_FALSE(allows(none, {.region = "b"}));
}

TEST(ResidencyPolicy, DeploymentsWithoutLocationAreRefusedOnceAPolicyExists) {
  std::vector<routing::DeploymentInfo> deps = {se(), {.name = "nowhere", .model = "m"}};
  EXPECT_TRUE(check_deployments(deps, false));
  auto st = check_deployments(deps, true);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("nowhere"), std::string::npos);
}

template <typename D>
class PolicyCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = db_.skip_reason(); !why.empty()) GTEST_SKIP() << why;
    auto db = db_.open();
    ASSERT_TRUE(db) << db.error().message;
    sql_ = *db;
  }
  D db_;
  std::shared_ptr<store::SqlDatabase> sql_;
};
TYPED_TEST_SUITE(PolicyCacheTest, Dbs, DbNames);

TYPED_TEST(PolicyCacheTest, PoliciesAreStoredScopedAndSeenByOtherProcesses) {
  auto a = PolicyCache::load(this->sql_);
  auto b = PolicyCache::load(this->sql_);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE((*a)->put({.scope_id = "org_a", .org_id = "org_a", .allowed_jurisdictions = {"EU"}, .updated_at = 1}));
  ASSERT_TRUE((*a)->put({.scope_id = "proj_a", .org_id = "org_a", .allowed_regions = {"se-sto-1"}, .updated_at = 1}));
  platform::Principal pa;
  pa.org_id = "org_a";
  pa.project_id = "proj_a";
  auto c = (*a)->constraints_for(&pa);
  EXPECT_EQ(c.allowed_regions, std::vector<std::string>{"se-sto-1"});
  EXPECT_EQ(c.allowed_jurisdictions, std::vector<std::string>{"EU"});
  // A principal of another organisation never gets org_a's project policy, even naming the same project id.
  platform::Principal pb;
  pb.org_id = "org_b";
  pb.project_id = "proj_a";
  EXPECT_TRUE(unconstrained((*a)->constraints_for(&pb)));
  EXPECT_TRUE(unconstrained((*a)->constraints_for(nullptr)));
  EXPECT_FALSE((*b)->any());
  ASSERT_TRUE((*b)->reload());
  EXPECT_EQ((*b)->constraints_for(&pa).allowed_regions, std::vector<std::string>{"se-sto-1"});
  ASSERT_TRUE((*a)->remove("org_b", "proj_a"));  // another organisation cannot remove it
  ASSERT_TRUE((*b)->reload());
  EXPECT_TRUE((*b)->get("proj_a").has_value());
  ASSERT_TRUE((*a)->remove("org_a", "proj_a"));
  ASSERT_TRUE((*b)->reload());
  EXPECT_FALSE((*b)->get("proj_a").has_value());
}

// A router that ignores constraints and falls back to any healthy deployment: exactly what must never leak.
class LeakyRouter final : public routing::ModelRouter {
 public:
  LeakyRouter() {
    for (auto d : {se(), us()}) deployments_.push_back({d, std::make_shared<testing::ScriptedBackend>()});
  }
  std::atomic<bool> se_up{true};
  testing::ScriptedBackend& backend(std::size_t i) const { return *deployments_[i].second; }
  Result<routing::Route> route(const routing::RouteQuery&) const override {
    const auto& d = se_up ? deployments_[0] : deployments_[1];
    return routing::Route{.backend = d.second, .deployment = d.first};
  }
  std::vector<api::ModelInfo> models() const override { return {api::ModelInfo{.id = "m"}}; }

 private:
  std::vector<std::pair<routing::DeploymentInfo, std::shared_ptr<testing::ScriptedBackend>>> deployments_;
};

TEST(ResidencyRouting, AThousandCallsNeverReachTheOtherRegionAndRefusalsAreAudited) {
  platform::audit::test::SqliteDb db;
  auto sql = db.open();
  ASSERT_TRUE(sql);
  auto key = platform::audit::SigningKey::generate();
  ASSERT_TRUE(key);
  auto log_r = platform::audit::AuditLog::start(
      {.db = *sql, .key = std::make_shared<platform::audit::SigningKey>(std::move(*key))});
  ASSERT_TRUE(log_r);
  std::shared_ptr<platform::audit::AuditLog> log = std::move(*log_r);
  auto policies = PolicyCache::load(*sql);
  ASSERT_TRUE(policies);
  ASSERT_TRUE((*policies)->put({.scope_id = "proj_a", .org_id = "org_a", .allowed_regions = {"se-sto-1"}}));

  auto leaky = std::make_shared<LeakyRouter>();
  auto chain = std::make_shared<gateway::CallChain>();
  chain->add(platform::audit::make_audit_hook({.log = log}));
  api::CallFlow flow({.router = enforce_residency(leaky),
                      .chain = chain,
                      .constraints = (*policies)->constraints_fn(),
                      .on_refusal = [log](const http::Request& req, const api::CallSpec& spec,
                                          const routing::RoutingConstraints& c, const Error& e) {
                        platform::audit::PreAdmissionRefusal f{
                            .request_id = req.request_id, .endpoint = spec.endpoint, .model = spec.model,
                            .principal = static_cast<const platform::Principal*>(req.principal.get()),
                            .allowed_regions = c.allowed_regions, .allowed_jurisdictions = c.allowed_jurisdictions,
                            .http_status = e.status(), .error_code = e.api_code, .message = e.message};
                        log->append(platform::audit::refusal_record(f));
                      }});
  auto principal = std::make_shared<platform::Principal>();
  principal->key_id = "k";
  principal->org_id = "org_a";
  principal->project_id = "proj_a";

  std::map<std::string, int> served;
  int refused = 0;
  for (int i = 0; i < 1000; ++i) {
    leaky->se_up = !(i >= 300 && i < 600);  // the allowed deployment is down for a while
    http::Request req;
    req.request_id = "req_" + std::to_string(i);
    req.principal = principal;
    flow.prepare(req, {.endpoint = "/v1/completions", .protocol = "openai", .model = "m"},
                 [&](std::optional<api::PreparedCall> call, std::optional<api::Refusal> refusal) {
                   if (call) {
                     ++served[call->route.deployment.name];
                     // What the handler does next: start the call on the routed deployment's backend.
                     EXPECT_TRUE(call->route.backend->start_text(api::TextCompletionRequest{}, [](api::TextEvent&&) {}));
                     api::CallFlow::end(*call, {}, [] {});
                   } else {
                     ASSERT_TRUE(refusal);
                     EXPECT_EQ(refusal->error.status(), 403);
                     EXPECT_EQ(refusal->error.api_code, kResidencyErrorCode);
                     EXPECT_NE(refusal->error.message.find("se-sto-1"), std::string::npos);
                     ++refused;
                   }
                 });
  }
  EXPECT_EQ(served["us"], 0) << "a call left the allowed region";
  EXPECT_EQ(leaky->backend(1).text_requests.size(), 0u) << "the other region's backend was called";
  EXPECT_EQ(leaky->backend(0).text_requests.size(), 700u);
  EXPECT_EQ(served["se"], 700);
  EXPECT_EQ(refused, 300);
  log->flush();
  std::int64_t residency_refusals = 0;
  std::int64_t completed = 0;
  ASSERT_TRUE((*sql)->transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, platform::audit::sql::read_records(s, 0, 5000));
    for (const auto& r : rows) {
      residency_refusals += r.type == platform::audit::kTypeResidencyRefusal ? 1 : 0;
      completed += r.type == platform::audit::kTypeInference ? 1 : 0;
      EXPECT_EQ(r.details.find("us-east-1"), std::string::npos) << r.details;
    }
    return {};
  }));
  EXPECT_EQ(residency_refusals, 300);
  EXPECT_EQ(completed, 700);

  // Another project without a policy may use both regions.
  auto other = std::make_shared<platform::Principal>(*principal);
  other->project_id = "proj_b";
  leaky->se_up = false;
  http::Request req;
  req.principal = other;
  bool reached_us = false;
  flow.prepare(req, {.endpoint = "/v1/completions", .protocol = "openai", .model = "m"},
               [&](std::optional<api::PreparedCall> call, std::optional<api::Refusal>) {
                 reached_us = call && call->route.deployment.name == "us";
                 if (call) api::CallFlow::end(*call, {}, [] {});
               });
  EXPECT_TRUE(reached_us);
}

}  // namespace
}  // namespace sovra::gateway::residency
