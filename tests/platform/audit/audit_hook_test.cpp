// The audit CallHook first in a CallChain: every admitted call and every refusal by a later hook is recorded as
// metadata (no content), and the ticket's done runs only once the record is durable.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>

#include "common/json.hpp"
#include "gateway/call.hpp"
#include "platform/audit/audit_db.hpp"
#include "platform/audit/audit_events.hpp"
#include "platform/audit/audit_hook.hpp"
#include "platform/audit/audit_sql.hpp"
#include "support/eventually.hpp"

namespace sovra::platform::audit::test {
namespace {

class Refuse final : public gateway::CallHook {
 public:
  const char* name() const override { return "refuse"; }
  void admit(const gateway::CallInfo&, std::vector<http::Header>& headers, gateway::AdmitDone done) override {
    headers.push_back({"retry-after", "3"});
    Error e{ErrorCode::kRateLimited, "slow down", {}, 429};
    e.api_code = "rate_limit_exceeded";
    done(fail(e));
  }
};

class AuditHookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = db_.open();
    ASSERT_TRUE(db) << db.error().message;
    sql_ = *db;
    auto key = SigningKey::generate();
    ASSERT_TRUE(key);
    auto log = AuditLog::start({.db = sql_, .key = std::make_shared<SigningKey>(std::move(*key))});
    ASSERT_TRUE(log);
    log_ = std::move(*log);
    principal_ = std::make_shared<Principal>();
    principal_->key_id = "k1";
    principal_->org_id = "org_a";
    principal_->project_id = "proj_a";
  }

  std::vector<AuditRecord> records() {
    std::vector<AuditRecord> out;
    EXPECT_TRUE(sql_->transaction([&](store::SqlSession& s) -> Status {
      SOVRA_TRY(out, sql::read_records(s, 0, 100));
      return {};
    }));
    return out;
  }

  gateway::CallInfo info() {
    gateway::CallInfo i;
    i.request_id = "req_1";
    i.endpoint = "/v1/chat/completions";
    i.protocol = "openai";
    i.principal = principal_;
    i.model = "tiny";
    i.deployment = {.name = "local-se", .model = "tiny", .region = "se-sto-1", .jurisdiction = "SE", .zones = {"EU"}};
    i.prompt_tokens = 12;
    i.started = std::chrono::system_clock::now();
    return i;
  }

  SqliteDb db_;
  std::shared_ptr<store::SqlDatabase> sql_;
  std::shared_ptr<AuditLog> log_;
  std::shared_ptr<Principal> principal_;
};

TEST_F(AuditHookTest, RecordsACompletedCallOnceDurable) {
  gateway::CallChain chain;
  chain.add(make_audit_hook({.log = log_, .content_retention_days = [](const std::string& p) {
                               return p == "proj_a" ? std::int64_t{30} : 0;
                             }}));
  std::optional<gateway::AdmitOutcome> outcome;
  chain.admit(info(), [&](gateway::AdmitOutcome o) { outcome = std::move(o); });
  ASSERT_TRUE(outcome && !outcome->refusal);
  gateway::CallResult result;
  result.usage.prompt_tokens = 12;
  result.usage.completion_tokens = 5;
  result.ended = std::chrono::system_clock::now();
  std::atomic<bool> done{false};
  std::size_t seen_when_done = 0;
  outcome->tickets.finish(result, [&] {
    seen_when_done = records().size();  // the record is committed before done runs
    done = true;
  });
  ASSERT_TRUE(sovra::test::eventually([&] { return done.load(); }));
  EXPECT_EQ(seen_when_done, 1u);
  const auto r = records().at(0);
  EXPECT_EQ(r.type, kTypeInference);
  EXPECT_EQ(r.org_id, "org_a");
  EXPECT_EQ(r.project_id, "proj_a");
  EXPECT_EQ(r.actor_id, "k1");
  EXPECT_EQ(r.request_id, "req_1");
  EXPECT_NE(r.details.find(R"("region":"se-sto-1")"), std::string::npos) << r.details;
  EXPECT_NE(r.details.find(R"("completion_tokens":5)"), std::string::npos) << r.details;
  EXPECT_NE(r.details.find(R"("content_retained":true)"), std::string::npos) << r.details;
  EXPECT_NE(r.details.find(R"("content_retention_days":30)"), std::string::npos) << r.details;
}

TEST_F(AuditHookTest, ARefusalByALaterHookIsRecorded) {
  gateway::CallChain chain;
  chain.add(make_audit_hook({.log = log_}));
  chain.add(std::make_shared<Refuse>());
  std::optional<gateway::AdmitOutcome> outcome;
  chain.admit(info(), [&](gateway::AdmitOutcome o) { outcome = std::move(o); });
  ASSERT_TRUE(outcome && outcome->refusal);
  log_->flush();
  const auto rs = records();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].type, kTypeRefusal);
  EXPECT_NE(rs[0].details.find(R"("error_code":"rate_limit_exceeded")"), std::string::npos) << rs[0].details;
  EXPECT_NE(rs[0].details.find(R"("status":429)"), std::string::npos) << rs[0].details;
  EXPECT_NE(rs[0].details.find(R"("content_retained":false)"), std::string::npos) << rs[0].details;
}

TEST(AuditEvents, ACallsDetailsAreTheJsonObjectOfItsFields) {
  gateway::CallInfo info;
  info.endpoint = "/v1/chat/completions";
  info.protocol = "openai";
  info.model = "gpt-4o \"alias\"\n\xc3\xa9";
  info.deployment.name = "se-1";
  info.deployment.model = "qwen";
  info.deployment.region = "se-sto-1";
  info.deployment.jurisdiction = "SE";
  info.deployment.local = false;
  info.stream = true;
  info.prompt_tokens = 17;
  info.started = std::chrono::system_clock::time_point(std::chrono::milliseconds(1000));
  gateway::CallResult result;
  result.usage.completion_tokens = 5;
  result.usage.cached_prompt_tokens = 3;
  result.http_status = 499;
  result.error_code = "client_closed";
  result.cancelled = true;
  result.ended = std::chrono::system_clock::time_point(std::chrono::milliseconds(1250));
  const auto r = call_record(info, result, 30);
  auto parsed = parse_json(r.details);
  ASSERT_TRUE(parsed) << r.details;
  const boost::json::object want{{"endpoint", "/v1/chat/completions"},
                                 {"protocol", "openai"},
                                 {"model", "gpt-4o \"alias\"\n\xc3\xa9"},
                                 {"deployment", "se-1"},
                                 {"served_model", "qwen"},
                                 {"region", "se-sto-1"},
                                 {"jurisdiction", "SE"},
                                 {"local", false},
                                 {"stream", true},
                                 {"prompt_tokens", 17},
                                 {"completion_tokens", 5},
                                 {"cached_prompt_tokens", 3},
                                 {"status", 499},
                                 {"error_code", "client_closed"},
                                 {"cancelled", true},
                                 {"duration_ms", 250},
                                 {"content_retained", true},
                                 {"content_retention_days", 30}};
  EXPECT_EQ(parsed->as_object(), want) << r.details;
  EXPECT_EQ(r.details, boost::json::serialize(want));  // the same text, members in the same order
  EXPECT_EQ(r.type, "inference.refused");
  const auto plain = call_record(gateway::CallInfo{}, gateway::CallResult{}, 0);
  EXPECT_EQ(plain.details, R"({"endpoint":"","protocol":"","model":"","deployment":"","served_model":"","region":"",)"
                           R"("jurisdiction":"","local":true,"stream":false,"prompt_tokens":0,"completion_tokens":0,)"
                           R"("cached_prompt_tokens":0,"status":200,"cancelled":false,"content_retained":false})");
}

TEST(AuditEvents, AdminRecordsRedactKeyPlaintextAndNameTheEvent) {
  AdminAction a;
  a.who.key_id = "adm";
  a.who.org_id = "org_a";
  a.method = "POST";
  a.pattern = "/v1/organization/projects/{project_id}/api_keys";
  a.params = {{"project_id", "proj_a"}};
  a.after = R"({"id":"key_x","value":"sk-sovra-x-secret","name":"ci"})";
  const auto r = admin_record(a);
  EXPECT_EQ(r.type, "api_key.created");
  EXPECT_EQ(r.project_id, "proj_a");
  EXPECT_EQ(r.details.find("secret"), std::string::npos) << r.details;
  EXPECT_NE(r.details.find(R"("name":"ci")"), std::string::npos) << r.details;
  EXPECT_EQ(admin_event_type("POST", "/v1/organization/projects/{project_id}"), "project.updated");
  EXPECT_EQ(admin_event_type("POST", "/v1/organization/projects/{project_id}/archive"), "project.archived");
  EXPECT_EQ(admin_event_type("DELETE", "/v1/organization/admin_api_keys/{key_id}"), "api_key.deleted");
  EXPECT_EQ(admin_event_type("POST", "/v1/organization/admin_api_keys/{key_id}/rotate"), "api_key.updated");
  EXPECT_EQ(admin_event_type("POST", "/v1/organization/invites"), "invite.sent");
  EXPECT_EQ(admin_event_type("POST", "/v1/organization/users/{user_id}"), "user.updated");
  EXPECT_EQ(admin_event_type("POST", "/v1/organization/residency"), "residency_policy.updated");
  EXPECT_EQ(redact_json("not json"), "");
}

TEST(AuditEvents, AuthFailuresNameTheKeyIdButNeverASecret) {
  AuthFailure f;
  f.reason = "invalid";
  f.key_id = "abcdefgh";
  f.remote_address = "10.0.0.1:5555";
  f.path = "/v1/chat/completions";
  const auto r = auth_failure_record(f);
  EXPECT_EQ(r.type, kTypeAuthFailure);
  EXPECT_EQ(r.actor_id, "abcdefgh");
  EXPECT_NE(r.details.find("10.0.0.1"), std::string::npos);
}

}  // namespace
}  // namespace sovra::platform::audit::test
