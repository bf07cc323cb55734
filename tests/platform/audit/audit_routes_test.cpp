// GET /v1/organization/audit_logs: the query parameters and the OpenAI list shape.
#include <gtest/gtest.h>

#include "common/json.hpp"
#include "platform/audit/audit_routes.hpp"
#include "support/openapi_schema.hpp"

namespace sovra::platform::audit {
namespace {

TEST(AuditLogQuery, ParsesOpenAIFiltersPercentEncodedOrNot) {
  auto q = parse_audit_query(
      "effective_at%5Bgte%5D=100&effective_at[lt]=200&event_types[]=project.created&event_types%5B%5D=api_key.created"
      "&actor_ids[]=key_abc&project_ids[]=proj_1&resource_ids[]=req_9&limit=5&after=audit_log-x",
      "org_a");
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->org_id, "org_a");
  EXPECT_EQ(q->from_ms, 100'000);
  EXPECT_EQ(q->to_ms, 200'000);
  EXPECT_EQ(q->types, (std::vector<std::string>{"project.created", "api_key.created"}));
  EXPECT_EQ(q->actor_ids, std::vector<std::string>{"abc"});  // public key ids are accepted
  EXPECT_EQ(q->project_ids, std::vector<std::string>{"proj_1"});
  EXPECT_EQ(q->resource_ids, std::vector<std::string>{"req_9"});
  EXPECT_EQ(q->limit, 5);
  auto gt = parse_audit_query("effective_at[gt]=100&effective_at[lte]=200", "o");
  ASSERT_TRUE(gt);
  EXPECT_EQ(gt->from_ms, 101'000);
  EXPECT_EQ(gt->to_ms, 201'000);
}

TEST(AuditLogQuery, BadParametersAreNamed) {
  for (const char* bad : {"limit=0", "limit=101", "limit=x", "effective_at[gt]=soon", "colour=blue"}) {
    auto q = parse_audit_query(bad, "o");
    ASSERT_FALSE(q) << bad;
    EXPECT_FALSE(q.error().param.empty()) << bad;
  }
}

TEST(AuditLogList, HasOpenAIsShape) {
  std::string why;
  auto schemas = testing::OpenApiSchemas::load(std::string(SOVRA_SHARED_DIR) + "/specs/openai-openapi.json", &why);
  if (!schemas) GTEST_SKIP() << "OpenAI spec not available: " << why;
  AuditRecord a;
  a.seq = 2;
  a.id = "audit_log-1";
  a.at_ms = 1'700'000'000'123;
  a.type = "project.created";  // Sovra's own event types (inference.*, residency.*) extend OpenAI's enum
  a.org_id = "org_a";
  a.project_id = "proj_a";
  a.actor_type = "api_key";
  a.actor_id = "abc";
  a.request_id = "req_1";
  a.details = R"({"after":{"id":"proj_a","name":"x"}})";
  auto body = parse_json(audit_list_json({a}, true));
  ASSERT_TRUE(body);
  const auto errors = schemas->validate(*body, "ListAuditLogsResponse");
  for (const auto& e : errors) ADD_FAILURE() << e;
  const auto& e = body->as_object().at("data").as_array().at(0).as_object();
  EXPECT_EQ(e.at("effective_at").as_int64(), 1'700'000'000);
  EXPECT_EQ(e.at("actor").at("api_key").at("id").as_string(), "key_abc");
  EXPECT_EQ(e.at("project").at("id").as_string(), "proj_a");
  EXPECT_EQ(e.at("project.created").at("id").as_string(), "req_1");
  EXPECT_TRUE(body->as_object().at("has_more").as_bool());
}

}  // namespace
}  // namespace sovra::platform::audit
