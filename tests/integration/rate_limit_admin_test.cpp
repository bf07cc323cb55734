// Rate-limit rules through the administration API of the real binary: OpenAI's project rate-limit routes, the
// organisation and API-key extensions, validation, and tenant isolation (project keys and other organisations
// can neither read nor change them).
#include <gtest/gtest.h>

#include "integration/auth_support.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

class RateLimitAdmin : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.started()) << server_.log();
    admin_ = read_file(server_.data_dir() + "/data/initial-admin-key");
    api_ = read_file(server_.data_dir() + "/data/initial-api-key");
    auto projects = as_admin("GET", "/v1/organization/projects");
    ASSERT_EQ(projects.status, 200) << projects.body;
    project_ = str(json_of(projects).at("data").as_array().at(0), "id");
  }
  HttpReply as_admin(std::string_view method, const std::string& path, std::string_view body = {}) {
    return call(server_.port(), method, path, admin_, body);
  }
  std::int64_t num(const HttpReply& r, std::string_view field) {
    return json_of(r).as_object().at(field).as_int64();
  }

  ServerProcess server_{{}};
  std::string admin_;
  std::string api_;
  std::string project_;
};

TEST_F(RateLimitAdmin, ProjectRulesInOpenAIsShape) {
  const auto base = "/v1/organization/projects/" + project_ + "/rate_limits";
  auto empty = as_admin("GET", base);
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(str(json_of(empty), "object"), "list");
  EXPECT_TRUE(json_of(empty).at("data").as_array().empty());

  // OpenAI's modify route; Sovra creates the rule when it does not exist yet.
  auto set = as_admin("POST", base + "/rl-tiny", R"({"max_requests_per_1_minute":500,"max_tokens_per_1_minute":9000})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(str(json_of(set), "object"), "project.rate_limit");
  EXPECT_EQ(str(json_of(set), "id"), "rl-tiny");
  EXPECT_EQ(str(json_of(set), "model"), "tiny");
  EXPECT_EQ(num(set, "max_requests_per_1_minute"), 500);

  // A partial update keeps the other measures.
  auto changed = as_admin("POST", base + "/rl-tiny", R"({"max_concurrent_requests":4})");
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(num(changed, "max_requests_per_1_minute"), 500);
  EXPECT_EQ(num(changed, "max_tokens_per_1_minute"), 9000);
  EXPECT_EQ(num(changed, "max_concurrent_requests"), 4);

  // Create by model (extension), with a '/' in the model id.
  auto slash = as_admin("POST", base, R"({"model":"org/model-7b","max_requests_per_1_day":100})");
  ASSERT_EQ(slash.status, 200) << slash.body;
  EXPECT_EQ(str(json_of(slash), "id"), "rl-org%2Fmodel-7b");
  EXPECT_EQ(as_admin("GET", base + "/rl-org%2Fmodel-7b").status, 200);

  auto listed = as_admin("GET", base);
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(json_of(listed).at("data").as_array().size(), 2u);

  EXPECT_EQ(as_admin("DELETE", base + "/rl-tiny").status, 200);
  EXPECT_EQ(as_admin("GET", base + "/rl-tiny").status, 404);
  EXPECT_EQ(as_admin("DELETE", base + "/rl-tiny").status, 404);
}

TEST_F(RateLimitAdmin, OrganizationAndKeyScopes) {
  auto org = as_admin("POST", "/v1/organization/rate_limits/rl-*", R"({"max_requests_per_1_minute":10000})");
  ASSERT_EQ(org.status, 200) << org.body;
  EXPECT_EQ(str(json_of(org), "object"), "organization.rate_limit");
  auto keys = as_admin("GET", "/v1/organization/projects/" + project_ + "/api_keys");
  ASSERT_EQ(keys.status, 200);
  const auto kid = str(json_of(keys).at("data").as_array().at(0), "id");
  const auto base = "/v1/organization/projects/" + project_ + "/api_keys/" + kid + "/rate_limits";
  auto key = as_admin("POST", base + "/rl-*", R"({"max_requests_per_1_minute":60})");
  ASSERT_EQ(key.status, 200) << key.body;
  EXPECT_EQ(str(json_of(key), "object"), "organization.project.api_key.rate_limit");
  // Scopes do not mix: the project has no rules of its own.
  EXPECT_TRUE(json_of(as_admin("GET", "/v1/organization/projects/" + project_ + "/rate_limits"))
                  .at("data").as_array().empty());
  EXPECT_EQ(json_of(as_admin("GET", base)).at("data").as_array().size(), 1u);
  EXPECT_EQ(as_admin("GET", "/v1/organization/projects/" + project_ + "/api_keys/key_nope/rate_limits").status, 404);
}

TEST_F(RateLimitAdmin, BadValuesGetClearErrors) {
  const auto base = "/v1/organization/projects/" + project_ + "/rate_limits";
  auto neg = as_admin("POST", base + "/rl-*", R"({"max_requests_per_1_minute":-1})");
  EXPECT_EQ(neg.status, 400);
  EXPECT_NE(neg.body.find("max_requests_per_1_minute"), std::string::npos) << neg.body;
  EXPECT_EQ(as_admin("POST", base + "/rl-*", R"({"max_tokens_per_1_minute":"many"})").status, 400);
  EXPECT_EQ(as_admin("POST", base + "/wrong-id", "{}").status, 404);
  EXPECT_EQ(as_admin("GET", "/v1/organization/projects/proj_nope/rate_limits").status, 404);
}

TEST_F(RateLimitAdmin, ProjectKeysAndOtherOrganizationsCannotReadOrChangeLimits) {
  const auto base = "/v1/organization/projects/" + project_ + "/rate_limits";
  ASSERT_EQ(as_admin("POST", base + "/rl-*", R"({"max_requests_per_1_minute":5})").status, 200);
  // A project key never reaches the administration API.
  EXPECT_EQ(call(server_.port(), "GET", base, api_).status, 403);
  EXPECT_EQ(call(server_.port(), "POST", base + "/rl-*", api_, R"({"max_requests_per_1_minute":99999})").status, 403);

  std::string out, err;
  ASSERT_EQ(run_sovra({"admin", "orgs", "create", "--name", "B", "--data-dir", server_.data_dir() + "/data"}, &out, &err),
            0)
      << err;
  const auto admin_b = str(json_of(HttpReply{200, {}, out}).at("admin_api_key"), "value");
  ASSERT_TRUE(eventually([&] { return call(server_.port(), "GET", "/v1/organization/projects", admin_b).status == 200; }));
  // Organisation B sees A's project as absent: not found for reading, changing and deleting.
  EXPECT_EQ(call(server_.port(), "GET", base, admin_b).status, 404);
  EXPECT_EQ(call(server_.port(), "GET", base + "/rl-*", admin_b).status, 404);
  EXPECT_EQ(call(server_.port(), "POST", base + "/rl-*", admin_b, R"({"max_requests_per_1_minute":99999})").status,
            404);
  EXPECT_EQ(call(server_.port(), "DELETE", base + "/rl-*", admin_b).status, 404);
  // B's own organisation rules are its own.
  ASSERT_EQ(call(server_.port(), "POST", "/v1/organization/rate_limits/rl-*", admin_b, R"({"max_requests_per_1_day":7})")
                .status,
            200);
  EXPECT_TRUE(json_of(as_admin("GET", "/v1/organization/rate_limits")).at("data").as_array().empty());
  // A's rule is unchanged.
  auto mine = as_admin("GET", base + "/rl-*");
  ASSERT_EQ(mine.status, 200);
  EXPECT_EQ(num(mine, "max_requests_per_1_minute"), 5);
}

TEST_F(RateLimitAdmin, CliSetsRulesTheServerServes) {
  std::string out, err;
  auto orgs = as_admin("GET", "/v1/organization/projects/" + project_);
  ASSERT_EQ(orgs.status, 200);
  // The organisation id is not in the project object; ask the CLI.
  ASSERT_EQ(run_sovra({"admin", "orgs", "list", "--data-dir", server_.data_dir() + "/data"}, &out, &err), 0) << err;
  const auto org = str(json_of(HttpReply{200, {}, out}).at("data").as_array().at(0), "id");
  ASSERT_EQ(run_sovra({"admin", "limits", "set", "--org", org, "--project", project_, "--rpm", "42", "--data-dir",
                       server_.data_dir() + "/data"},
                      &out, &err),
            0)
      << err;
  auto got = as_admin("GET", "/v1/organization/projects/" + project_ + "/rate_limits/rl-*");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(num(got, "max_requests_per_1_minute"), 42);
}

}  // namespace
}  // namespace sovra::test
