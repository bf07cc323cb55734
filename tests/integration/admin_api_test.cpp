// The administration API against the real binary: a project's key life cycle, pagination, tenant isolation
// between two organisations, and no secret in the logs.
#include <gtest/gtest.h>

#include <csignal>
#include <set>

#include <boost/json/serialize.hpp>

#include "integration/auth_support.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

class AdminApi : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.started()) << server_.log();
    admin_ = read_file(server_.data_dir() + "/data/initial-admin-key");
    api_ = read_file(server_.data_dir() + "/data/initial-api-key");
    secrets_ = {admin_, api_};
  }

  HttpReply as_admin(std::string_view method, const std::string& path, std::string_view body = {}) {
    return call(server_.port(), method, path, admin_, body);
  }
  // Remembers every key value the server hands out, for the log check.
  std::string remember(const HttpReply& r, std::string_view field = "value") {
    auto v = str(json_of(r), field);
    if (!v.empty()) secrets_.push_back(v);
    return v;
  }

  ServerProcess server_{{"--set", "server.debug_routes=true", "--set", "auth.last_used_flush_ms=50"}};
  std::string admin_;
  std::string api_;
  std::vector<std::string> secrets_;
};

TEST_F(AdminApi, ProjectKeyLifeCycle) {
  auto project = as_admin("POST", "/v1/organization/projects", R"({"name":"research"})");
  ASSERT_EQ(project.status, 201) << project.body;
  const auto pid = str(json_of(project), "id");
  const auto keys = "/v1/organization/projects/" + pid + "/api_keys";

  auto created = as_admin("POST", keys,
                          R"({"name":"ci","allowed_models":["tiny"],"allowed_endpoints":["/v1/debug/echo"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  const auto key = remember(created);
  const auto kid = str(json_of(created), "id");
  ASSERT_TRUE(key.starts_with("sk-sovra-"));
  EXPECT_EQ(str(json_of(created), "object"), "organization.project.api_key");

  EXPECT_EQ(call(server_.port(), "POST", "/v1/debug/echo", key, R"({"model":"tiny"})").status, 200);
  EXPECT_EQ(call(server_.port(), "POST", "/v1/debug/echo", key, R"({"model":"big"})").status, 403);
  EXPECT_EQ(call(server_.port(), "GET", "/v1/debug/ping", key).status, 403);

  // Listing never shows the secret; last_used_at is filled in by the batched write-back.
  EXPECT_TRUE(eventually([&] {
    auto got = as_admin("GET", keys + "/" + kid);
    return got.status == 200 && json_of(got).as_object().at("last_used_at").is_int64();
  }));
  auto listed = as_admin("GET", keys);
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find(key), std::string::npos);

  auto rotated = as_admin("POST", keys + "/" + kid + "/rotate", R"({"grace_period_seconds":0})");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const auto new_key = remember(rotated);
  EXPECT_NE(new_key, key);
  EXPECT_EQ(call(server_.port(), "POST", "/v1/debug/echo", new_key, R"({"model":"tiny"})").status, 200);
  EXPECT_EQ(call(server_.port(), "POST", "/v1/debug/echo", key, R"({"model":"tiny"})").status, 401);

  EXPECT_EQ(as_admin("POST", keys + "/" + kid + "/revoke", "{}").status, 200);
  EXPECT_EQ(call(server_.port(), "POST", "/v1/debug/echo", new_key, R"({"model":"tiny"})").status, 401);
  EXPECT_EQ(as_admin("DELETE", keys + "/" + kid).status, 200);
  EXPECT_EQ(as_admin("GET", keys + "/" + kid).status, 404);
}

TEST_F(AdminApi, ExpiredKeysAreRefused) {
  auto created = as_admin("POST", "/v1/organization/projects/proj_default/api_keys", R"({"expires_at":1})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(call(server_.port(), "GET", "/v1/debug/ping", remember(created)).status, 401);
}

TEST_F(AdminApi, CursorPaginationLikeOpenAI) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(as_admin("POST", "/v1/organization/projects", R"({"name":"p"})").status, 201);
  std::vector<std::string> ids;
  std::string after;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = json_of(as_admin("GET", "/v1/organization/projects?limit=2" + (after.empty() ? "" : "&after=" + after)));
    for (const auto& p : page.at("data").as_array()) ids.push_back(str(p, "id"));
    if (!page.at("has_more").as_bool()) break;
    after = str(page, "last_id");
  }
  EXPECT_EQ(ids.size(), 4u);  // the default project and three more, each once
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 4u);
}

TEST_F(AdminApi, BadInputGetsClearErrors) {
  EXPECT_EQ(as_admin("POST", "/v1/organization/projects", R"({"name":42})").status, 400);
  EXPECT_EQ(as_admin("POST", "/v1/organization/projects", R"({})").status, 400);
  EXPECT_EQ(as_admin("POST", "/v1/organization/projects", R"([1,2])").status, 400);
  EXPECT_EQ(as_admin("POST", "/v1/organization/projects", R"({"name":)").status, 400);
  EXPECT_EQ(as_admin("POST", "/v1/organization/users", R"({"email":"a@b.c","role":"god"})").status, 400);
  EXPECT_EQ(as_admin("GET", "/v1/organization/projects/proj_nope").status, 404);
}

TEST_F(AdminApi, TwoOrganizationsCannotReachEachOther) {
  // Organisation B is made with the CLI on the same store while the server runs.
  std::string out, err;
  ASSERT_EQ(run_sovra({"admin", "orgs", "create", "--name", "B", "--data-dir", server_.data_dir() + "/data"}, &out, &err), 0)
      << err;
  const auto org_b = json_of(HttpReply{200, {}, out});
  const auto admin_b = str(org_b.at("admin_api_key"), "value");
  secrets_.push_back(admin_b);
  ASSERT_TRUE(eventually([&] {
    return call(server_.port(), "GET", "/v1/organization/projects", admin_b).status == 200;
  }));
  auto pb = call(server_.port(), "POST", "/v1/organization/projects", admin_b, R"({"name":"b-secret-project"})");
  ASSERT_EQ(pb.status, 201);
  const auto pid_b = str(json_of(pb), "id");
  auto kb = call(server_.port(), "POST", "/v1/organization/projects/" + pid_b + "/api_keys", admin_b, "{}");
  ASSERT_EQ(kb.status, 201);
  const auto key_b = remember(kb);
  const auto kid_b = str(json_of(kb), "id");
  auto sab = call(server_.port(), "POST", "/v1/organization/projects/" + pid_b + "/service_accounts", admin_b,
                  R"({"name":"bot"})");
  ASSERT_EQ(sab.status, 201);
  const auto said_b = str(json_of(sab), "id");
  secrets_.push_back(str(json_of(sab).at("api_key"), "value"));
  auto ub = call(server_.port(), "POST", "/v1/organization/users", admin_b, R"({"email":"b@b.example","role":"owner"})");
  ASSERT_EQ(ub.status, 201);
  const auto uid_b = str(json_of(ub), "id");
  auto ib = call(server_.port(), "POST", "/v1/organization/invites", admin_b, R"({"email":"c@b.example","role":"member"})");
  ASSERT_EQ(ib.status, 201);
  const auto iid_b = str(json_of(ib), "id");
  auto akb = call(server_.port(), "POST", "/v1/organization/admin_api_keys", admin_b, R"({"name":"second"})");
  ASSERT_EQ(akb.status, 201);
  const auto akid_b = str(json_of(akb), "id");
  remember(akb);

  // Every admin endpoint, with A's admin key and B's ids: 404, and nothing of B in the answer.
  const std::string p = "/v1/organization/projects/" + pid_b;
  const std::vector<std::pair<std::string, std::string>> attempts = {
      {"GET", p},
      {"POST", p},
      {"POST", p + "/archive"},
      {"GET", p + "/api_keys"},
      {"POST", p + "/api_keys"},
      {"GET", p + "/api_keys/" + kid_b},
      {"DELETE", p + "/api_keys/" + kid_b},
      {"POST", p + "/api_keys/" + kid_b + "/revoke"},
      {"POST", p + "/api_keys/" + kid_b + "/rotate"},
      {"GET", "/v1/organization/projects/proj_default/api_keys/" + kid_b},  // A's project, B's key
      {"DELETE", "/v1/organization/projects/proj_default/api_keys/" + kid_b},
      {"GET", p + "/service_accounts"},
      {"POST", p + "/service_accounts"},
      {"GET", p + "/service_accounts/" + said_b},
      {"DELETE", p + "/service_accounts/" + said_b},
      {"GET", "/v1/organization/users/" + uid_b},
      {"POST", "/v1/organization/users/" + uid_b},
      {"DELETE", "/v1/organization/users/" + uid_b},
      {"GET", "/v1/organization/invites/" + iid_b},
      {"DELETE", "/v1/organization/invites/" + iid_b},
      {"GET", "/v1/organization/admin_api_keys/" + akid_b},
      {"DELETE", "/v1/organization/admin_api_keys/" + akid_b},
      {"POST", "/v1/organization/admin_api_keys/" + akid_b + "/revoke"},
      {"POST", "/v1/organization/admin_api_keys/" + akid_b + "/rotate"},
  };
  for (const auto& [method, path] : attempts) {
    const std::string body = method == "POST" ? R"({"name":"x","role":"owner"})" : "";
    auto r = as_admin(method, path, body);
    EXPECT_EQ(r.status, 404) << method << " " << path << " " << r.body;
    EXPECT_EQ(r.body.find("b-secret-project"), std::string::npos);
    EXPECT_EQ(r.body.find("b@b.example"), std::string::npos);
  }
  // A's listings show nothing of B.
  for (const char* list : {"/v1/organization/projects?include_archived=true", "/v1/organization/users",
                           "/v1/organization/invites", "/v1/organization/admin_api_keys"}) {
    auto r = as_admin("GET", list);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body.find(pid_b), std::string::npos) << list;
    EXPECT_EQ(r.body.find("b@b.example"), std::string::npos) << list;
    EXPECT_EQ(r.body.find(akid_b), std::string::npos) << list;
  }
  // Project keys of either organisation cannot call the admin API at all.
  EXPECT_EQ(call(server_.port(), "GET", p, key_b).status, 403);
  EXPECT_EQ(call(server_.port(), "GET", "/v1/organization/projects/proj_default", key_b).status, 403);
  EXPECT_EQ(call(server_.port(), "GET", p, api_).status, 403);
  // B's things are all still there and working.
  EXPECT_EQ(call(server_.port(), "GET", p + "/api_keys/" + kid_b, admin_b).status, 200);
  EXPECT_EQ(call(server_.port(), "GET", "/v1/debug/ping", key_b).status, 200);
  EXPECT_EQ(call(server_.port(), "GET", "/v1/organization/users/" + uid_b, admin_b).status, 200);
}

TEST_F(AdminApi, NoSecretEverReachesTheLogsOrMetrics) {
  // Exercise every path that handles a key: success, wrong secret, unknown, creation, rotation.
  auto created = as_admin("POST", "/v1/organization/projects/proj_default/api_keys", R"({"name":"x"})");
  const auto key = remember(created);
  const auto kid = str(json_of(created), "id");
  remember(as_admin("POST", "/v1/organization/projects/proj_default/api_keys/" + kid + "/rotate", "{}"));
  remember(as_admin("POST", "/v1/organization/admin_api_keys", "{}"));
  call(server_.port(), "GET", "/v1/debug/ping", key);
  call(server_.port(), "GET", "/v1/debug/ping", key.substr(0, key.size() - 8) + "00000000");
  call(server_.port(), "GET", "/v1/debug/ping", "sk-sovra-0123456789abcdef01234567-" + std::string(64, 'b'));
  const auto metrics = call(server_.port(), "GET", "/metrics", "").body;
  server_.signal(SIGTERM);
  server_.wait_exit(std::chrono::seconds(10));
  const auto log = server_.log();
  ASSERT_FALSE(log.empty());
  ASSERT_GE(secrets_.size(), 5u);
  for (const auto& s : secrets_) {
    ASSERT_GT(s.size(), 40u);
    const auto secret_part = s.substr(s.rfind('-') + 1);
    EXPECT_EQ(log.find(secret_part), std::string::npos) << "a key secret appears in the server log";
    EXPECT_EQ(metrics.find(secret_part), std::string::npos) << "a key secret appears in /metrics";
  }
  EXPECT_EQ(log.find(std::string(64, 'b')), std::string::npos);
}

}  // namespace
}  // namespace sovra::test
