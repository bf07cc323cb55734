// The usage, costs, invoice, budget and pricing routes over a real (SQLite) ledger: OpenAI's shapes, exact sums,
// UTC buckets, pagination, and tenant isolation (an organisation never sees another's data).
#include "platform/metering/usage_routes.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/json.hpp"
#include "gateway/budget/budget_routes.hpp"
#include "http/deferred.hpp"
#include "platform/billing/invoice.hpp"
#include "platform/billing/invoice_routes.hpp"
#include "platform/metering/ledger_db.hpp"
#include "platform/ids.hpp"
#include "platform/metering/ledger_writer.hpp"
#include "platform/pricing/pricing_routes.hpp"
#include "support/eventually.hpp"

namespace sovra::platform::metering {
namespace {

namespace json = boost::json;
constexpr std::int64_t kNov1 = 1'793'491'200;  // 2026-11-01T00:00:00Z

// Runs on SQLite, and on PostgreSQL when SOVRA_TEST_POSTGRES_URL is set.
class UsageRoutes : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      pg_ = std::make_unique<test::PostgresLedgerDb>();
      if (auto why = pg_->skip_reason(); !why.empty()) GTEST_SKIP() << why;
    }
    const auto options = GetParam() ? pg_->options() : b_.options();
    auto s = store::open_store(options);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::shared_ptr<store::Store>(std::move(*s));
    ASSERT_TRUE(store_->create_organization({"org_a", "A", 1}));
    ASSERT_TRUE(store_->create_organization({"org_b", "B", 2}));
    ASSERT_TRUE(store_->create_project({"proj_a1", "org_a", "a1", 10, 0}));
    ASSERT_TRUE(store_->create_project({"proj_a2", "org_a", "a2", 11, 0}));
    ASSERT_TRUE(store_->create_project({"proj_b1", "org_b", "b1", 12, 0}));
    db_ = GetParam() ? test::open_ledger_db(*pg_) : test::open_ledger_db(b_);
    ASSERT_NE(db_, nullptr);
    pricing_ = std::make_shared<pricing::PricingState>("EUR");
    pricing_->set(std::make_shared<const pricing::PriceBook>(), {{"org_b", "SEK"}});
    const admin::AdminDeps deps{.store = store_, .executor = executor_, .default_rotation_grace_s = 0};
    add_usage_routes(router_, deps, db_, pricing_);
    billing::add_invoice_routes(router_, deps, db_);
    auto reload = []() -> Status { return {}; };
    gateway::budget::add_budget_routes(router_, deps, {.db = db_, .pricing = pricing_, .reload = reload});
    pricing::add_pricing_routes(router_, deps, {.db = db_, .pricing = pricing_, .reload = reload});
  }

  UsageRecord rec(std::string org, std::string project, std::string model, std::int64_t started_s, std::int64_t in,
                  std::int64_t out, std::int64_t cost, std::string endpoint = "/v1/chat/completions") {
    UsageRecord r;
    r.id = "usage_" + std::to_string(++seq_);
    r.org_id = std::move(org);
    r.project_id = std::move(project);
    r.key_id = "k_" + r.project_id;
    r.model = std::move(model);
    r.endpoint = std::move(endpoint);
    r.input_tokens = in;
    r.cached_tokens = in / 4;
    r.output_tokens = out;
    r.started_ms = started_s * 1000 + 500;
    r.ended_ms = r.started_ms + 10;
    r.currency = r.org_id == "org_b" ? "SEK" : "EUR";
    r.cost = {cost};
    return r;
  }

  void write(const std::vector<UsageRecord>& records) {
    LedgerWriter w(db_, {});
    for (const auto& r : records) w.submit(r, {});
  }

  http::Response call(const std::string& method, const std::string& target, const std::string& org,
                      std::string body = {}) {
    std::shared_ptr<Principal> who;
    if (!org.empty()) {
      who = std::make_shared<Principal>();
      who->org_id = org;
      who->key_id = "admin_" + org;
      who->kind = store::KeyKind::kAdmin;
    }
    return call_as(method, target, who, std::move(body));
  }

  // A project API key of `project` in `org`.
  static std::shared_ptr<Principal> project_key(const std::string& org, const std::string& project) {
    auto who = std::make_shared<Principal>();
    who->org_id = org;
    who->project_id = project;
    who->key_id = "k_" + project;
    who->kind = store::KeyKind::kProject;
    return who;
  }

  http::Response call_as(const std::string& method, const std::string& target, std::shared_ptr<Principal> who,
                         std::string body = {}) {
    http::Request req;
    req.method = method;
    req.target = target;
    const auto q = target.find('?');
    req.path = target.substr(0, q);
    req.query = q == std::string::npos ? "" : target.substr(q + 1);
    req.body = std::move(body);
    req.principal = std::move(who);
    auto m = router_.match(method, req.path);
    EXPECT_NE(m.route, nullptr) << target;
    if (m.route == nullptr) return {};
    req.path_params = m.params;
    auto r = m.route->handler(req);
    if (!r.deferred) return r;
    std::optional<http::Response> out;
    EXPECT_TRUE(sovra::test::eventually([&] {
      out = r.deferred->take([] {});
      return out.has_value();
    }));
    return out ? std::move(*out) : http::Response{};
  }

  json::value get_json(const std::string& target, const std::string& org, int expect_status = 200) {
    auto r = call("GET", target, org);
    EXPECT_EQ(r.status, expect_status) << r.body;
    auto v = parse_json(r.body);
    EXPECT_TRUE(v) << r.body;
    return v ? *v : json::value();
  }

  test::SqliteLedgerDb b_;
  std::unique_ptr<test::PostgresLedgerDb> pg_;
  std::shared_ptr<store::Store> store_;
  std::shared_ptr<store::SqlDatabase> db_;
  std::shared_ptr<pricing::PricingState> pricing_;
  std::shared_ptr<store::Executor> executor_ = std::make_shared<store::Executor>(1);
  http::Router router_;
  int seq_ = 0;
};

TEST_P(UsageRoutes, CompletionsUsageSumsTheLedgerExactlyInUtcDayBuckets) {
  std::vector<UsageRecord> rs;
  std::int64_t in_day0 = 0, out_day0 = 0, n_day0 = 0, in_day1 = 0;
  for (int i = 0; i < 50; ++i) {
    // Day 0 ends at 23:59:59.500; day 1 starts at 00:00:00.500 (the boundary is UTC midnight).
    const std::int64_t t = i % 2 == 0 ? kNov1 + 86399 : kNov1 + 86400;
    rs.push_back(rec("org_a", i % 3 == 0 ? "proj_a1" : "proj_a2", "tiny", t, 100 + i, 7 * i, 1000 + i));
    if (i % 2 == 0) {
      in_day0 += 100 + i;
      out_day0 += 7 * i;
      ++n_day0;
    } else {
      in_day1 += 100 + i;
    }
  }
  rs.push_back(rec("org_b", "proj_b1", "tiny", kNov1 + 10, 999999, 999999, 5));  // another organisation
  rs.push_back(rec("org_a", "proj_a1", "tiny", kNov1 + 20, 5, 5, 5, "/v1/embeddings"));  // another endpoint
  UsageRecord refused = rec("org_a", "proj_a1", "tiny", kNov1 + 30, 0, 0, 0);  // refused by a budget: no request
  refused.cached_tokens = 0;
  refused.status = 429;
  refused.error_code = "insufficient_quota";
  rs.push_back(refused);
  write(rs);

  auto v = get_json("/v1/organization/usage/completions?start_time=" + std::to_string(kNov1) + "&limit=3", "org_a");
  const auto& page = v.as_object();
  EXPECT_EQ(page.at("object").as_string(), "page");
  const auto& data = page.at("data").as_array();
  ASSERT_EQ(data.size(), 3u);
  EXPECT_EQ(data[0].at("start_time").as_int64(), kNov1);
  EXPECT_EQ(data[0].at("end_time").as_int64(), kNov1 + 86400);
  const auto& r0 = data[0].at("results").as_array().at(0).as_object();
  EXPECT_EQ(r0.at("object").as_string(), "organization.usage.completions.result");
  EXPECT_EQ(r0.at("input_tokens").as_int64(), in_day0);
  EXPECT_EQ(r0.at("output_tokens").as_int64(), out_day0);
  EXPECT_EQ(r0.at("num_model_requests").as_int64(), n_day0);
  EXPECT_TRUE(r0.at("project_id").is_null());
  EXPECT_EQ(data[1].at("results").as_array().at(0).at("input_tokens").as_int64(), in_day1);
  EXPECT_TRUE(data[2].at("results").as_array().empty());
  EXPECT_TRUE(page.at("has_more").as_bool());
  const std::string next = std::string(page.at("next_page").as_string());

  auto more = get_json("/v1/organization/usage/completions?start_time=" + std::to_string(kNov1) + "&limit=3&page=" +
                           next,
                       "org_a");
  EXPECT_EQ(more.at("data").as_array().at(0).at("start_time").as_int64(), kNov1 + 3 * 86400);

  auto emb = get_json("/v1/organization/usage/embeddings?start_time=" + std::to_string(kNov1) + "&limit=1", "org_a");
  const auto& e0 = emb.at("data").as_array().at(0).at("results").as_array().at(0);
  EXPECT_EQ(e0.at("object").as_string(), "organization.usage.embeddings.result");
  EXPECT_EQ(e0.at("input_tokens").as_int64(), 5);
}

TEST_P(UsageRoutes, GroupByAndFiltersAndHourlyBuckets) {
  write({rec("org_a", "proj_a1", "tiny", kNov1 + 10, 10, 1, 1), rec("org_a", "proj_a2", "tiny", kNov1 + 20, 20, 2, 1),
         rec("org_a", "proj_a2", "big", kNov1 + 3600, 40, 4, 1)});
  auto v = get_json("/v1/organization/usage/completions?start_time=" + std::to_string(kNov1) +
                        "&bucket_width=1h&limit=2&group_by=project_id&group_by=model",
                    "org_a");
  const auto& h0 = v.at("data").as_array().at(0).at("results").as_array();
  ASSERT_EQ(h0.size(), 2u);
  EXPECT_EQ(h0[0].at("project_id").as_string(), "proj_a1");
  EXPECT_EQ(h0[0].at("model").as_string(), "tiny");
  EXPECT_EQ(h0[1].at("input_tokens").as_int64(), 20);
  EXPECT_EQ(v.at("data").as_array().at(1).at("results").as_array().at(0).at("model").as_string(), "big");
  auto filtered = get_json("/v1/organization/usage/completions?start_time=" + std::to_string(kNov1) +
                               "&bucket_width=1d&limit=1&project_ids[]=proj_a2&models=big&group_by=api_key_id",
                           "org_a");
  const auto& f0 = filtered.at("data").as_array().at(0).at("results").as_array();
  ASSERT_EQ(f0.size(), 1u);
  EXPECT_EQ(f0[0].at("input_tokens").as_int64(), 40);
  EXPECT_EQ(f0[0].at("api_key_id").as_string(), "key_k_proj_a2");
}

TEST_P(UsageRoutes, CostsAreExactDecimalsInTheOrganisationsCurrency) {
  std::vector<UsageRecord> rs;
  for (int i = 0; i < 1000; ++i) rs.push_back(rec("org_b", "proj_b1", "tiny", kNov1 + i, 1, 1, 100'000'000));  // 0.1
  rs.push_back(rec("org_b", "proj_b1", "tiny", kNov1 + 5, 1, 1, 1));                                            // 1e-9
  write(rs);
  auto r = call("GET", "/v1/organization/costs?start_time=" + std::to_string(kNov1) + "&limit=1&group_by=line_item",
                "org_b");
  ASSERT_EQ(r.status, 200) << r.body;
  // The JSON number is the exact decimal: no double ever held it.
  EXPECT_NE(r.body.find(R"("amount":{"value":100.000000001,"currency":"sek"},"line_item":"tiny")"), std::string::npos)
      << r.body;
}

TEST_P(UsageRoutes, AnOrganisationNeverSeesAnothersData) {
  write({rec("org_a", "proj_a1", "secret-model", kNov1 + 1, 123, 456, 789)});
  const std::string range = "?start_time=" + std::to_string(kNov1) + "&limit=1&group_by=project_id&group_by=model";
  for (const char* path : {"/v1/organization/usage/completions", "/v1/organization/costs"}) {
    std::string target = std::string(path) + range;
    if (std::string(path) == "/v1/organization/costs") {
      target = std::string(path) + "?start_time=" + std::to_string(kNov1) + "&limit=1&group_by=project_id";
    }
    auto b = call("GET", target, "org_b");
    ASSERT_EQ(b.status, 200) << b.body;
    EXPECT_EQ(b.body.find("proj_a1"), std::string::npos) << path << ": " << b.body;
    EXPECT_EQ(b.body.find("secret-model"), std::string::npos) << path;
    EXPECT_EQ(b.body.find("123"), std::string::npos) << path;
    // Filtering by the other organisation's project does not reveal it either.
    auto f = call("GET", std::string(path) + "?start_time=" + std::to_string(kNov1) + "&limit=1&project_ids=proj_a1",
                  "org_b");
    ASSERT_EQ(f.status, 200) << f.body;
    EXPECT_EQ(f.body.find("\"object\":\"organization."), std::string::npos) << f.body;
  }
  auto inv = call("GET", "/v1/organization/invoices/2026-11", "org_b");
  ASSERT_EQ(inv.status, 200);
  EXPECT_EQ(inv.body.find("proj_a1"), std::string::npos) << inv.body;
  auto mine = call("GET", "/v1/organization/invoices/2026-11", "org_a");
  EXPECT_NE(mine.body.find("proj_a1"), std::string::npos) << mine.body;
  // Budgets: another organisation's project is "not found", exactly like a project that does not exist.
  auto other = call("POST", "/v1/organization/budgets", "org_b", R"({"project_id":"proj_a1","amount":"10"})");
  auto missing = call("POST", "/v1/organization/budgets", "org_b", R"({"project_id":"proj_zz","amount":"10"})");
  EXPECT_EQ(other.status, 404);
  std::string expected = missing.body;
  expected.replace(expected.find("proj_zz"), 7, "proj_a1");
  EXPECT_EQ(other.body, expected);
}

TEST_P(UsageRoutes, AProjectKeyReadsItsOwnProjectOnly) {
  write({rec("org_a", "proj_a1", "tiny", kNov1 + 1, 100, 10, 1'000), rec("org_a", "proj_a1", "big", kNov1 + 2, 200, 20, 2'000),
         rec("org_a", "proj_a2", "secret-a2", kNov1 + 3, 40'000, 4'000, 400'000),
         rec("org_b", "proj_b1", "secret-b1", kNov1 + 4, 50'000, 5'000, 500'000)});
  const std::string start = "?start_time=" + std::to_string(kNov1) + "&limit=1";
  const auto a1 = project_key("org_a", "proj_a1");
  for (const char* path : {"/v1/organization/usage/completions", "/v1/organization/costs"}) {
    const std::string group = std::string(path) == "/v1/organization/costs" ? "&group_by=project_id&group_by=line_item"
                                                                            : "&group_by=project_id&group_by=model";
    // No filter: the project's rows only, summed as the admin sees them for that project.
    auto mine = call_as("GET", std::string(path) + start + group, a1);
    ASSERT_EQ(mine.status, 200) << path << ": " << mine.body;
    auto admin = call("GET", std::string(path) + start + group + "&project_ids=proj_a1", "org_a");
    ASSERT_EQ(admin.status, 200) << admin.body;
    EXPECT_EQ(mine.body, admin.body) << path;
    EXPECT_NE(mine.body.find("proj_a1"), std::string::npos) << mine.body;
    for (const char* other : {"proj_a2", "secret-a2", "proj_b1", "secret-b1", "40000", "50000"}) {
      EXPECT_EQ(mine.body.find(other), std::string::npos) << path << " shows " << other << ": " << mine.body;
    }
    // Its own project named explicitly: the same answer.
    EXPECT_EQ(call_as("GET", std::string(path) + start + group + "&project_ids=proj_a1", a1).body, mine.body);
    // Another project of the same organisation, or of another one: 403, not zeros.
    for (const char* other : {"proj_a2", "proj_b1"}) {
      auto r = call_as("GET", std::string(path) + start + "&project_ids=proj_a1&project_ids[]=" + other, a1);
      EXPECT_EQ(r.status, 403) << path << " " << other << ": " << r.body;
      EXPECT_NE(r.body.find(R"("param":"project_ids")"), std::string::npos) << r.body;
      EXPECT_EQ(r.body.find("secret"), std::string::npos) << r.body;
    }
  }
  // The admin key sees every project of its organisation, and still nothing of another.
  auto all = call("GET", "/v1/organization/usage/completions" + start + "&group_by=project_id", "org_a");
  EXPECT_NE(all.body.find("proj_a2"), std::string::npos) << all.body;
  EXPECT_EQ(all.body.find("proj_b1"), std::string::npos) << all.body;
  // A project key of org_b with org_a's project id in its principal cannot exist, but the organisation still
  // scopes it: a key of org_b's project reads org_b's project.
  auto b1 = call_as("GET", "/v1/organization/usage/completions" + start, project_key("org_b", "proj_b1"));
  ASSERT_EQ(b1.status, 200) << b1.body;
  EXPECT_NE(b1.body.find(R"("input_tokens":50000)"), std::string::npos) << b1.body;
  // Invoices stay with the organisation's admins.
  for (const char* route : {"/v1/organization/usage/completions", "/v1/organization/usage/embeddings",
                            "/v1/organization/usage/audio_transcriptions", "/v1/organization/usage/ocr",
                            "/v1/organization/costs"}) {
    EXPECT_TRUE(router_.match("GET", route).route->options.project_keys) << route;
  }
  EXPECT_FALSE(router_.match("GET", "/v1/organization/invoices/2026-11").route->options.project_keys);
}

TEST_P(UsageRoutes, WithoutEndTimeTheCurrentSecondIsIncluded) {
  const std::int64_t now = now_seconds();
  write({rec("org_a", "proj_a1", "tiny", now, 77, 7, 1)});  // started at now + 0.5 s
  auto v = get_json("/v1/organization/usage/completions?start_time=" + std::to_string(now - 5) + "&bucket_width=1m&limit=2",
                    "org_a");
  std::int64_t input = 0;
  for (const auto& b : v.at("data").as_array()) {
    for (const auto& r : b.at("results").as_array()) input += r.at("input_tokens").as_int64();
  }
  EXPECT_EQ(input, 77) << json::serialize(v);
}

TEST_P(UsageRoutes, BadQueriesAreClearErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"/v1/organization/usage/completions", "start_time"},
      {"/v1/organization/usage/completions?start_time=abc", "start_time"},
      {"/v1/organization/usage/completions?start_time=0&bucket_width=2d", "bucket_width"},
      {"/v1/organization/usage/completions?start_time=0&bucket_width=1h&limit=169", "limit"},
      {"/v1/organization/usage/completions?start_time=0&group_by=colour", "group_by"},
      {"/v1/organization/usage/completions?start_time=10&end_time=5", "end_time"},
      {"/v1/organization/usage/completions?start_time=0&page=zzz", "page"},
      {"/v1/organization/usage/completions?start_time=0&what=1", "what"},
      {"/v1/organization/usage/completions?start_time=0&models=%zz", ""},
      {"/v1/organization/costs?start_time=0&bucket_width=1h", "bucket_width"},
      {"/v1/organization/invoices/2026-13", "month"},
  };
  for (const auto& [target, param] : cases) {
    auto r = call("GET", target, "org_a");
    EXPECT_EQ(r.status, 400) << target << " " << r.body;
    if (*param != 0) {
      EXPECT_NE(r.body.find(std::string(R"("param":")") + param + "\""), std::string::npos) << r.body;
    }
  }
}

TEST_P(UsageRoutes, InvoicesSumToTheLedgerAndCloseImmutably) {
  std::vector<UsageRecord> rs;
  std::int64_t total = 0;
  for (int i = 0; i < 40; ++i) {
    rs.push_back(rec("org_a", i % 2 ? "proj_a1" : "proj_a2", i % 3 ? "tiny" : "big", kNov1 + i * 3600, i, i, 1234567 * i));
    total += 1234567 * i;
  }
  rs.push_back(rec("org_a", "proj_a1", "tiny", kNov1 - 1, 1, 1, 999));  // October
  write(rs);
  auto inv = billing::load_invoice(*db_, "org_a", {2026, 11});
  ASSERT_TRUE(inv);
  EXPECT_EQ(inv->lines.size(), 4u);
  EXPECT_EQ(inv->totals.at("EUR").nanos, total);
  EXPECT_FALSE(billing::close_invoice(*db_, "org_a", {2026, 11}, kNov1 + 86400));  // month not over
  auto closed = billing::close_invoice(*db_, "org_a", {2026, 11}, kNov1 + 31 * 86400);
  ASSERT_TRUE(closed) << closed.error().message;
  write({rec("org_a", "proj_a1", "tiny", kNov1 + 100, 1, 1, 5)});  // a late record
  auto again = billing::load_invoice(*db_, "org_a", {2026, 11});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->totals.at("EUR").nanos, total);  // the closed copy does not move
  EXPECT_EQ(again->lines, closed->lines);
  auto csv = call("GET", "/v1/organization/invoices/2026-11?format=csv", "org_a");
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_NE(csv.body.find("2026-11,org_a,TOTAL,,EUR,"), std::string::npos) << csv.body;
  auto html = call("GET", "/v1/organization/invoices/2026-11?format=html", "org_a");
  EXPECT_NE(html.body.find("<h1>Invoice 2026-11</h1>"), std::string::npos);
  auto j = get_json("/v1/organization/invoices/2026-11", "org_a");
  EXPECT_EQ(j.at("status").as_string(), "closed");
  EXPECT_EQ(j.at("totals").as_array().at(0).at("exact").as_string(), pricing::format_money({total}));
}

TEST_P(UsageRoutes, PricingIsPublicAndPriceChangesAreOperatorOnlyAndNeverRewriteHistory) {
  auto pub = call("GET", "/v1/pricing", "");
  EXPECT_EQ(pub.status, 200);
  EXPECT_EQ(router_.match("GET", "/v1/pricing").route->options.public_route, true);
  const std::string price = R"({"model":"tiny","currency":"EUR","input_per_1m":"0.125","output_per_1m":"1"})";
  EXPECT_EQ(call("POST", "/v1/organization/prices", "org_b", price).status, 403);  // not the operator
  auto ok = call("POST", "/v1/organization/prices", "org_a", price);
  ASSERT_EQ(ok.status, 201) << ok.body;
  auto backdated = call("POST", "/v1/organization/prices", "org_a",
                        R"({"model":"tiny","currency":"EUR","effective_from":"2020-01-01","input_per_1m":"9"})");
  EXPECT_EQ(backdated.status, 409) << backdated.body;
  auto list = get_json("/v1/organization/prices", "org_b");
  EXPECT_EQ(list.at("data").as_array().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, UsageRoutes, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& i) { return i.param ? "postgres" : "sqlite"; });

}  // namespace
}  // namespace sovra::platform::metering
