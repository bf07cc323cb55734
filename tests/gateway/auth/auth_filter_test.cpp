#include "gateway/auth/auth_filter.hpp"

#include <gtest/gtest.h>

#include <tuple>

#include "platform/ids.hpp"
#include "platform/key_issuer.hpp"
#include "store/store_backends.hpp"

namespace sovra::gateway::auth {
namespace {

class AuthFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = backend_.open();
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    ASSERT_TRUE(store_->create_organization({"org_a", "A", 1}));
    ASSERT_TRUE(store_->create_project({"proj_a", "org_a", "pa", 1, 0}));
    cache_ = std::make_shared<platform::KeyCache>(*store_);
    router_.use("/v1/", make_auth_filter({.keys = cache_}));
    auto who = [](http::Request& req) {
      const auto* p = principal_of(req);
      return http::Response::json(200, p != nullptr ? p->project_id + "|" + p->key_id : "anonymous");
    };
    router_.add("GET", "/v1/thing", who);
    router_.add("POST", "/v1/chat/completions", who);
    router_.add("GET", "/v1/models/{model}", who);
    router_.add("GET", "/v1/organization/projects", who);
    router_.add("GET", "/healthz", who);
    router_.add("POST", "/v1/messages", who);
  }

  std::string issue(platform::KeySpec spec = {}) {
    spec.org_id = "org_a";
    if (spec.kind == store::KeyKind::kProject) spec.project_id = "proj_a";
    auto k = platform::issue_key(*store_, spec);
    EXPECT_TRUE(k) << k.error().message;
    EXPECT_TRUE(cache_->reload_key(k->record.id));
    return k->plaintext;
  }

  http::Response call(std::string method, std::string path, std::map<std::string, std::string> headers = {},
                      std::string body = {}) {
    http::Request req;
    req.method = std::move(method);
    req.path = std::move(path);
    req.body = std::move(body);
    for (auto& [k, v] : headers) req.headers.push_back({k, v});
    auto m = router_.match(req.method, req.path);
    EXPECT_NE(m.route, nullptr);
    req.path_params = m.params;
    return router_.dispatch(*m.route, req);
  }

  store::test::SqliteBackend backend_;
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<platform::KeyCache> cache_;
  http::Router router_;
};

TEST_F(AuthFilterTest, OpenRoutesNeedNoKey) { EXPECT_EQ(call("GET", "/healthz").status, 200); }

TEST_F(AuthFilterTest, BadKeysGetOpenAIsInvalidApiKeyError) {
  const auto missing = call("GET", "/v1/thing");
  EXPECT_EQ(missing.status, 401);
  EXPECT_NE(missing.body.find(R"("code":"invalid_api_key")"), std::string::npos);
  const auto unknown = call("GET", "/v1/thing", {{"authorization", "Bearer " + platform::generate_key().plaintext}});
  const auto key = issue();
  const auto wrong_secret =
      call("GET", "/v1/thing",
           {{"authorization", "Bearer " + key.substr(0, key.size() - 4) + (key.ends_with("0000") ? "1111" : "0000")}});
  const auto malformed = call("GET", "/v1/thing", {{"authorization", "Bearer sk-garbage"}});
  const auto other_scheme = call("GET", "/v1/thing", {{"authorization", "Basic dXNlcjpwYXNz"}});
  for (const auto* r : {&unknown, &wrong_secret, &malformed, &other_scheme}) {
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(r->body, unknown.body);  // one message: nothing tells the cases apart
  }
  EXPECT_NE(unknown.body.find(R"("type":"invalid_request_error")"), std::string::npos);
  EXPECT_EQ(unknown.body.find("sk-sovra-"), std::string::npos);  // the key is not echoed
}

TEST_F(AuthFilterTest, AnthropicClientsGetAnthropicsErrorShape) {
  // Anthropic-only routes, and any route called by an Anthropic SDK (it sends anthropic-version).
  const auto missing = call("POST", "/v1/messages", {}, R"({"model":"tiny"})");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.body,
            R"({"type":"error","error":{"type":"authentication_error","message":"x-api-key header is required"},)"
            R"("request_id":null})");
  const auto wrong = call("GET", "/v1/thing", {{"anthropic-version", "2023-06-01"}, {"x-api-key", "sk-garbage"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find(R"("type":"authentication_error","message":"invalid x-api-key")"), std::string::npos);
  const auto key = issue({.allowed_models = {"tiny"}});
  const auto denied = call("POST", "/v1/messages", {{"x-api-key", key}}, R"({"model":"big"})");
  EXPECT_EQ(denied.status, 403);
  EXPECT_NE(denied.body.find(R"({"type":"error","error":{"type":"permission_error")"), std::string::npos);
  EXPECT_EQ(call("POST", "/v1/messages", {{"x-api-key", key}}, R"({"model":"tiny"})").status, 200);
  // OpenAI clients keep OpenAI's shape.
  EXPECT_NE(call("GET", "/v1/thing").body.find(R"("code":"invalid_api_key")"), std::string::npos);
}

TEST_F(AuthFilterTest, AValidKeyReachesTheHandlerWithItsPrincipal) {
  const auto key = issue();
  auto r = call("GET", "/v1/thing", {{"authorization", "Bearer " + key}});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.starts_with("proj_a|"));
  EXPECT_EQ(call("GET", "/v1/thing", {{"x-api-key", key}}).status, 200);
}

TEST_F(AuthFilterTest, EndpointAndModelAllowListsGive403) {
  const auto key =
      issue({.allowed_models = {"tiny"}, .allowed_endpoints = {"/v1/chat/completions", "/v1/models/{model}"}});
  const std::map<std::string, std::string> h{{"authorization", "Bearer " + key}};
  EXPECT_EQ(call("GET", "/v1/thing", h).status, 403);
  EXPECT_EQ(call("POST", "/v1/chat/completions", h, R"({"model":"tiny"})").status, 200);
  const auto denied = call("POST", "/v1/chat/completions", h, R"({"model":"big"})");
  EXPECT_EQ(denied.status, 403);
  EXPECT_NE(denied.body.find("permission_error"), std::string::npos);
  EXPECT_EQ(call("GET", "/v1/models/tiny", h).status, 200);
  EXPECT_EQ(call("GET", "/v1/models/big", h).status, 403);
}

TEST_F(AuthFilterTest, AdminKeysOnlyReachTheAdminApiAndProjectKeysNever) {
  const auto admin = issue({.kind = store::KeyKind::kAdmin});
  const auto project = issue();
  EXPECT_EQ(call("GET", "/v1/organization/projects", {{"authorization", "Bearer " + admin}}).status, 200);
  EXPECT_EQ(call("GET", "/v1/thing", {{"authorization", "Bearer " + admin}}).status, 403);
  EXPECT_EQ(call("GET", "/v1/organization/projects", {{"authorization", "Bearer " + project}}).status, 403);
}

TEST_F(AuthFilterTest, ProjectKeysReachOnlyTheAdminRoutesMarkedForThem) {
  router_.add("GET", "/v1/organization/usage/completions",
              [](http::Request& req) { return http::Response::json(200, principal_of(req)->project_id); },
              {.project_keys = true});
  const auto admin = issue({.kind = store::KeyKind::kAdmin});
  const auto project = issue();
  auto p = call("GET", "/v1/organization/usage/completions", {{"authorization", "Bearer " + project}});
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(p.body, "proj_a");  // the handler gets the principal to scope by
  EXPECT_EQ(call("GET", "/v1/organization/usage/completions", {{"authorization", "Bearer " + admin}}).status, 200);
  EXPECT_EQ(call("GET", "/v1/organization/usage/completions").status, 401);
  EXPECT_EQ(call("GET", "/v1/organization/projects", {{"authorization", "Bearer " + project}}).status, 403);
}

TEST_F(AuthFilterTest, AnonymousModeLetsKeylessRequestsThroughButStillChecksKeys) {
  http::Router r;
  r.use("/v1/", make_auth_filter({.keys = cache_, .allow_anonymous = true}));
  r.add("GET", "/v1/thing", [](http::Request& req) {
    return http::Response::json(200, principal_of(req) == nullptr ? "anonymous" : "key");
  });
  http::Request req;
  req.method = "GET";
  req.path = "/v1/thing";
  auto m = r.match("GET", "/v1/thing");
  EXPECT_EQ(r.dispatch(*m.route, req).body, "anonymous");
  req.headers.push_back({"authorization", "Bearer " + platform::generate_key().plaintext});
  EXPECT_EQ(r.dispatch(*m.route, req).status, 401);
}

}  // namespace
}  // namespace sovra::gateway::auth

namespace sovra::gateway::auth {
namespace {

// The optional failure observer (the audit trail): told about every 401 and 403 with the key id, never a secret.
TEST_F(AuthFilterTest, FailuresReachTheObserverWithKeyIdOnly) {
  std::vector<std::tuple<int, std::string, std::string, std::string>> seen;  // status, reason, key id, org
  http::Router router;
  router.use("/v1/", make_auth_filter({.keys = cache_, .on_failure = [&](const AuthFailureEvent& e) {
                                         seen.emplace_back(e.status, std::string(e.reason), std::string(e.key_id),
                                                           e.principal != nullptr ? e.principal->org_id : "");
                                       }}));
  router.add("GET", "/v1/organization/projects", [](http::Request&) { return http::Response::json(200, "{}"); });
  auto call_with = [&](const std::string& header) {
    http::Request req;
    req.method = "GET";
    req.path = "/v1/organization/projects";
    if (!header.empty()) req.headers.push_back({"authorization", header});
    auto m = router.match(req.method, req.path);
    return router.dispatch(*m.route, req).status;
  };
  const auto project_key = issue();
  const auto unknown = platform::generate_key();
  EXPECT_EQ(call_with(""), 401);
  EXPECT_EQ(call_with("Bearer " + unknown.plaintext), 401);
  EXPECT_EQ(call_with("Bearer " + project_key), 403);  // a project key on the admin API
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(std::get<1>(seen[0]), "missing");
  EXPECT_EQ(std::get<1>(seen[1]), "invalid");
  EXPECT_EQ(std::get<2>(seen[1]), unknown.id);
  EXPECT_EQ(std::get<0>(seen[2]), 403);
  EXPECT_EQ(std::get<1>(seen[2]), "forbidden");
  EXPECT_EQ(std::get<3>(seen[2]), "org_a");
  for (const auto& s : seen) EXPECT_EQ(std::get<2>(s).find("sk-sovra-"), std::string::npos);  // ids, not keys
}

}  // namespace
}  // namespace sovra::gateway::auth
