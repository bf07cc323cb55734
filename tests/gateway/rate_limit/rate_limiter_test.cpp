// The limiter built from config + store: rules written to the store (by this or another process) take effect
// without a restart; the configured defaults apply where the store has no rule.
#include "gateway/rate_limit/rate_limiter.hpp"

#include <gtest/gtest.h>

#include "store/store_backends.hpp"
#include "support/eventually.hpp"

namespace sovra::gateway::rate_limit {
namespace {

bool admitted(CallHook& hook, const CallInfo& info, std::string* limit_header = nullptr) {
  std::vector<http::Header> headers;
  bool ok = false;
  hook.admit(info, headers, [&](Result<Admission> a) {
    ok = a.has_value();
    if (a && a->ticket) a->ticket->finish(CallResult{}, [] {});
  });
  for (const auto& h : headers)
    if (limit_header != nullptr && h.name == "x-ratelimit-limit-requests") *limit_header = h.value;
  return ok;
}

TEST(RateLimiter, FollowsRuleChangesInTheStore) {
  store::test::SqliteBackend backend;
  auto opened = backend.open();
  ASSERT_TRUE(opened) << opened.error().message;
  std::shared_ptr<store::Store> s = std::move(*opened);
  ASSERT_TRUE(s->create_organization({"org1", "O", 1}));
  ASSERT_TRUE(s->create_project({"proj1", "org1", "P", 1, 0}));
  RateLimitConfig config;
  config.key.requests_per_minute = 1000;
  auto limiter = start_rate_limiter(config, *s);
  ASSERT_TRUE(limiter) << limiter.error().message;

  auto who = std::make_shared<platform::Principal>();
  who->key_id = "key1";
  who->org_id = "org1";
  who->project_id = "proj1";
  CallInfo info;
  info.principal = who;
  info.model = "m";
  std::string limit;
  ASSERT_TRUE(admitted(*limiter->hook, info, &limit));
  EXPECT_EQ(limit, "1000");  // the configured default for keys

  store::RateLimitRecord rule;
  rule.id = "rl-*";
  rule.org_id = "org1";
  rule.project_id = "proj1";
  rule.model = "*";
  rule.requests_per_minute = 1;
  ASSERT_TRUE(s->put_rate_limit(rule));
  // This process's own write is seen at once; the next call is the project's first and only one.
  EXPECT_TRUE(admitted(*limiter->hook, info));
  EXPECT_FALSE(admitted(*limiter->hook, info));

  // Another "process" deletes the rule: the change arrives through the database.
  auto other = backend.open();
  ASSERT_TRUE(other);
  ASSERT_TRUE((*other)->delete_rate_limit("org1", "proj1", "", "rl-*"));
  EXPECT_TRUE(sovra::test::eventually([&] { return admitted(*limiter->hook, info); }));
}

TEST(RateLimiter, BadRedisUrlStopsStartUp) {
  store::test::SqliteBackend backend;
  auto opened = backend.open();
  ASSERT_TRUE(opened);
  RateLimitConfig config;
  config.redis_url = "http://not-redis";
  auto limiter = start_rate_limiter(config, **opened);
  ASSERT_FALSE(limiter);
  EXPECT_NE(limiter.error().message.find("redis://"), std::string::npos);
}

}  // namespace
}  // namespace sovra::gateway::rate_limit
