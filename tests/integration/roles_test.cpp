// Roles on the real binary: every administration route × every role (allowed or 403 insufficient_permissions),
// the owner-only changes to users and invites, accepting invites over HTTP, demotion reaching a user's keys, and
// `sovra admin … --url` against the running server.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include <boost/json.hpp>

#include "integration/auth_support.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

constexpr const char* kRoles[] = {"owner", "admin", "member", "billing", "auditor"};

class Roles : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.started()) << server_.log();
    owner_ = read_file(server_.data_dir() + "/data/initial-admin-key");
    for (const char* role : kRoles) {
      auto r = as(owner_, "POST", "/v1/organization/admin_api_keys",
                  std::string(R"({"name":"k-)") + role + R"(","role":")" + role + R"("})");
      ASSERT_EQ(r.status, 201) << r.body;
      ASSERT_EQ(str(json_of(r), "role"), role);
      keys_[role] = str(json_of(r), "value");
    }
  }

  HttpReply as(const std::string& key, std::string_view method, const std::string& path, std::string_view body = {}) {
    return call(server_.port(), method, path, key, body);
  }
  static bool refused(const HttpReply& r) {
    return r.status == 403 && r.body.find(R"("code":"insufficient_permissions")") != std::string::npos;
  }

  ServerProcess server_{{"--set", "server.debug_routes=true"}};
  std::string owner_;
  std::map<std::string, std::string> keys_;
};

// Expected roles per (method, route pattern). Every /v1/organization route the server lists must be here.
const std::map<std::pair<std::string, std::string>, std::set<std::string>>& expectations() {
  static const std::set<std::string> owner{"owner"}, manage{"owner", "admin"},
      read_projects{"owner", "admin", "member"}, usage{"owner", "admin", "billing", "auditor"},
      billing{"owner", "admin", "billing"}, audit{"owner", "admin", "auditor"};
  static const std::map<std::pair<std::string, std::string>, std::set<std::string>> table = [&] {
    std::map<std::pair<std::string, std::string>, std::set<std::string>> t;
    const std::string o = "/v1/organization";
    const std::string p = o + "/projects/{project_id}";
    t[{"get", o + "/projects"}] = read_projects;
    t[{"post", o + "/projects"}] = manage;
    t[{"get", p}] = read_projects;
    t[{"post", p}] = manage;
    t[{"post", p + "/archive"}] = manage;
    for (const auto& base : {p + "/api_keys", p + "/service_accounts", p + "/rate_limits", o + "/rate_limits",
                             p + "/api_keys/{key_id}/rate_limits"}) {
      t[{"get", base}] = manage;
      t[{"post", base}] = manage;
    }
    for (const auto& item : {p + "/api_keys/{key_id}", p + "/service_accounts/{service_account_id}"}) {
      t[{"get", item}] = manage;
      t[{"delete", item}] = manage;
    }
    for (const auto& item : {p + "/rate_limits/{rate_limit_id}", o + "/rate_limits/{rate_limit_id}",
                             p + "/api_keys/{key_id}/rate_limits/{rate_limit_id}"}) {
      t[{"get", item}] = manage;
      t[{"post", item}] = manage;
      t[{"delete", item}] = manage;
    }
    t[{"post", p + "/api_keys/{key_id}/revoke"}] = manage;
    t[{"post", p + "/api_keys/{key_id}/rotate"}] = manage;
    t[{"get", o + "/admin_api_keys"}] = owner;
    t[{"post", o + "/admin_api_keys"}] = owner;
    t[{"get", o + "/admin_api_keys/{key_id}"}] = owner;
    t[{"delete", o + "/admin_api_keys/{key_id}"}] = owner;
    t[{"post", o + "/admin_api_keys/{key_id}/revoke"}] = owner;
    t[{"post", o + "/admin_api_keys/{key_id}/rotate"}] = owner;
    for (const auto& base : {o + "/users", o + "/invites"}) {
      t[{"get", base}] = manage;
      t[{"post", base}] = manage;
    }
    t[{"get", o + "/users/{user_id}"}] = manage;
    t[{"post", o + "/users/{user_id}"}] = manage;
    t[{"delete", o + "/users/{user_id}"}] = manage;
    t[{"get", o + "/invites/{invite_id}"}] = manage;
    t[{"delete", o + "/invites/{invite_id}"}] = manage;
    for (const auto& base : {o + "/residency", p + "/residency"}) {
      t[{"get", base}] = manage;
      t[{"post", base}] = manage;
      t[{"delete", base}] = manage;
    }
    t[{"get", p + "/content_retention"}] = manage;
    t[{"post", p + "/content_retention"}] = manage;
    t[{"get", o + "/budgets"}] = billing;
    t[{"post", o + "/budgets"}] = manage;
    t[{"delete", o + "/budgets/{scope}"}] = manage;
    t[{"get", o + "/prices"}] = billing;
    t[{"post", o + "/prices"}] = manage;
    t[{"get", o + "/billing"}] = billing;
    t[{"post", o + "/billing"}] = manage;
    t[{"get", o + "/costs"}] = billing;
    t[{"get", o + "/invoices/{month}"}] = billing;
    for (const char* u : {"completions", "embeddings", "audio_transcriptions", "ocr"}) t[{"get", o + "/usage/" + u}] = usage;
    t[{"get", o + "/audit_logs"}] = audit;
    return t;
  }();
  return table;
}

// Path parameters become ids that exist nowhere: an allowed call then fails later (404/400), never with 403.
std::string concrete(const std::string& pattern) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '{') {
      out += pattern[i];
      continue;
    }
    const auto end = pattern.find('}', i);
    out += pattern.substr(i + 1, end - i - 1) == "month" ? "2020-01" : "none0000000000000000";
    i = end;
  }
  return out;
}

TEST_F(Roles, EveryAdministrationRouteAllowsExactlyItsRoles) {
  auto doc = json_of(call(server_.port(), "GET", "/openapi.json", ""));
  ASSERT_TRUE(doc.is_object());
  std::size_t checked = 0;
  for (const auto& [path, methods] : doc.at("paths").as_object()) {
    const std::string pattern(path);
    if (!pattern.starts_with("/v1/organization/") || pattern == "/v1/organization/invites/accept") continue;
    for (const auto& [method, op] : methods.as_object()) {
      const std::string m(method);
      auto it = expectations().find({m, pattern});
      ASSERT_NE(it, expectations().end()) << "no expectation for " << m << " " << pattern;
      std::string upper;
      for (char c : m) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      for (const char* role : kRoles) {
        auto r = as(keys_[role], upper, concrete(pattern), upper == "POST" ? "{}" : "");
        const bool allowed = it->second.contains(role);
        EXPECT_NE(r.status, 401) << role << " " << upper << " " << pattern;
        EXPECT_EQ(!refused(r), allowed) << role << " " << upper << " " << pattern << " → " << r.status << " " << r.body;
        if (!allowed) {
          EXPECT_NE(r.body.find("needs the role"), std::string::npos) << r.body;
        }
        ++checked;
      }
    }
  }
  EXPECT_GE(checked, 5u * 60u);  // all routes were listed
}

TEST_F(Roles, OnlyOwnersMakeChangeOrRemoveOwners) {
  const auto& admin = keys_["admin"];
  EXPECT_TRUE(refused(as(admin, "POST", "/v1/organization/users", R"({"email":"o@x.example","role":"owner"})")));
  EXPECT_TRUE(refused(as(admin, "POST", "/v1/organization/invites", R"({"email":"o@x.example","role":"owner"})")));
  auto owner_user = as(owner_, "POST", "/v1/organization/users", R"({"email":"o@x.example","role":"owner"})");
  ASSERT_EQ(owner_user.status, 201);
  const auto uid = "/v1/organization/users/" + str(json_of(owner_user), "id");
  EXPECT_TRUE(refused(as(admin, "POST", uid, R"({"role":"member"})")));
  EXPECT_TRUE(refused(as(admin, "DELETE", uid)));
  EXPECT_EQ(as(owner_, "GET", uid).status, 200);  // still there, still owner
  EXPECT_EQ(str(json_of(as(owner_, "GET", uid)), "role"), "owner");
  // Admins manage everyone else.
  auto member = as(admin, "POST", "/v1/organization/users", R"({"email":"m@x.example","role":"member"})");
  ASSERT_EQ(member.status, 201) << member.body;
  const auto mid = "/v1/organization/users/" + str(json_of(member), "id");
  EXPECT_EQ(as(admin, "POST", mid, R"({"role":"billing"})").status, 200);
  EXPECT_TRUE(refused(as(admin, "POST", mid, R"({"role":"owner"})")));
  EXPECT_EQ(as(admin, "DELETE", mid).status, 200);
  // An admin key cannot mint a wider key (and only owners manage admin keys at all).
  EXPECT_TRUE(refused(as(admin, "POST", "/v1/organization/admin_api_keys", R"({"role":"admin"})")));
}

TEST_F(Roles, AnAcceptedInviteGivesAKeyWithTheInvitedRoleAndDemotionReachesIt) {
  auto inv = as(keys_["admin"], "POST", "/v1/organization/invites", R"({"email":"new@x.example","role":"admin"})");
  ASSERT_EQ(inv.status, 201) << inv.body;
  const auto token = str(json_of(inv), "token");
  ASSERT_TRUE(token.starts_with("sovra-invite.")) << inv.body;
  // The token is shown once: not in listings or retrievals.
  const auto iid = str(json_of(inv), "id");
  EXPECT_EQ(as(owner_, "GET", "/v1/organization/invites").body.find(token), std::string::npos);
  EXPECT_EQ(as(owner_, "GET", "/v1/organization/invites/" + iid).body.find(token), std::string::npos);

  const std::string accept = "/v1/organization/invites/accept";
  EXPECT_EQ(as("", "POST", accept, R"({"token":"sovra-invite.nope.00000000000000000000000000000000"})").status, 404);
  EXPECT_EQ(as("", "POST", accept, R"({"token":"garbage"})").status, 400);
  EXPECT_EQ(as("", "POST", accept, "{}").status, 400);
  auto ok = as("", "POST", accept, R"({"token":")" + token + R"(","name":"New"})");
  ASSERT_EQ(ok.status, 201) << ok.body;
  const auto body = json_of(ok);
  EXPECT_EQ(str(body, "role"), "admin");
  EXPECT_EQ(str(body, "email"), "new@x.example");
  const auto key = str(body.at("admin_api_key"), "value");
  ASSERT_FALSE(key.empty());
  EXPECT_EQ(as("", "POST", accept, R"({"token":")" + token + R"("})").status, 409);  // once only
  EXPECT_EQ(str(json_of(as(owner_, "GET", "/v1/organization/invites/" + iid)), "status"), "accepted");

  // The key acts as an admin: it manages projects.
  EXPECT_EQ(as(key, "POST", "/v1/organization/projects", R"({"name":"by-new"})").status, 201);
  // Demoted to auditor: the key follows (within a second, via the key cache invalidation).
  const auto uid = str(body, "id");
  ASSERT_EQ(as(owner_, "POST", "/v1/organization/users/" + uid, R"({"role":"auditor"})").status, 200);
  EXPECT_TRUE(eventually([&] { return refused(as(key, "POST", "/v1/organization/projects", R"({"name":"x"})")); }));
  EXPECT_EQ(as(key, "GET", "/v1/organization/audit_logs").status, 200);

  // A deleted invite's token is refused.
  auto inv2 = as(owner_, "POST", "/v1/organization/invites", R"({"email":"two@x.example","role":"member"})");
  ASSERT_EQ(inv2.status, 201);
  ASSERT_EQ(as(owner_, "DELETE", "/v1/organization/invites/" + str(json_of(inv2), "id")).status, 200);
  EXPECT_EQ(as("", "POST", accept, R"({"token":")" + str(json_of(inv2), "token") + R"("})").status, 404);
}

TEST_F(Roles, TheCliTalksToARunningServer) {
  const std::string url = "http://127.0.0.1:" + std::to_string(server_.port());
  std::string out, err;
  ASSERT_EQ(run_sovra({"admin", "projects", "create", "--name", "via-cli", "--url", url, "--admin-key", keys_["admin"]},
                      &out, &err), 0) << err;
  const auto pid = str(json_of(HttpReply{200, {}, out}), "id");
  ASSERT_FALSE(pid.empty()) << out;
  ASSERT_EQ(run_sovra({"admin", "projects", "list", "--url", url, "--admin-key", keys_["member"]}, &out, &err), 0) << err;
  EXPECT_NE(out.find(pid), std::string::npos);
  // A member may read projects but not create them: exit code 3 and the server's reason.
  EXPECT_EQ(run_sovra({"admin", "projects", "create", "--name", "no", "--url", url, "--admin-key", keys_["member"]},
                      &out, &err), 3);
  EXPECT_NE(err.find("insufficient_permissions"), std::string::npos) << err;

  ASSERT_EQ(run_sovra({"admin", "keys", "create", "--project", pid, "--name", "ci", "--url", url, "--admin-key",
                       keys_["admin"]}, &out, &err), 0) << err;
  const auto created = json_of(HttpReply{200, {}, out});
  const auto api_key = str(created, "value");
  const auto kid = str(created, "id");
  EXPECT_EQ(call(server_.port(), "GET", "/v1/debug/ping", api_key).status, 200);
  ASSERT_EQ(run_sovra({"admin", "keys", "list", "--project", pid, "--url", url, "--admin-key", keys_["admin"]}, &out,
                      &err), 0) << err;
  EXPECT_NE(out.find(kid), std::string::npos);
  EXPECT_EQ(out.find(api_key), std::string::npos);
  ASSERT_EQ(run_sovra({"admin", "keys", "revoke", "--project", pid, "--id", kid, "--url", url, "--admin-key",
                       keys_["admin"]}, &out, &err), 0) << err;
  EXPECT_TRUE(eventually([&] { return call(server_.port(), "GET", "/v1/debug/ping", api_key).status == 401; }));

  // Admin keys with a role, through the owner.
  const auto key_file = server_.data_dir() + "/data/initial-admin-key";
  ASSERT_EQ(run_sovra({"admin", "keys", "create", "--admin", "--role", "billing", "--url", url, "--admin-key-file",
                       key_file}, &out, &err), 0) << err;
  EXPECT_EQ(str(json_of(HttpReply{200, {}, out}), "role"), "billing");

  ASSERT_EQ(run_sovra({"admin", "users", "add", "--email", "cli@x.example", "--role", "auditor", "--url", url,
                       "--admin-key", keys_["admin"]}, &out, &err), 0) << err;
  ASSERT_EQ(run_sovra({"admin", "users", "list", "--url", url, "--admin-key", keys_["admin"]}, &out, &err), 0) << err;
  EXPECT_NE(out.find("cli@x.example"), std::string::npos);
  // Without a key, or for a store-only command, a clear refusal.
  EXPECT_EQ(run_sovra({"admin", "users", "list", "--url", url}, &out, &err), 2);
  EXPECT_NE(err.find("--admin-key"), std::string::npos);
}

}  // namespace
}  // namespace sovra::test
