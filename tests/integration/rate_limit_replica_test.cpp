// Two `sovra gateway` replicas sharing PostgreSQL (rules) and Redis (counters): under concurrent load from both
// sides, the total admitted is the limit. Through /v1/debug/admit (server.debug_routes), which runs the rate-limit
// hook exactly as an inference call meets it. Needs SOVRA_TEST_POSTGRES_URL and SOVRA_TEST_REDIS_URL (scripts/test).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include "integration/auth_support.hpp"
#include "integration/own_redis.hpp"
#include "store/store_backends.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

TEST(RateLimitReplicas, TwoGatewaysSharingRedisAdmitExactlyTheLimit) {
  store::test::PostgresBackend pg;
  if (auto why = pg.skip_reason(); !why.empty()) GTEST_SKIP() << why;
  const char* redis = std::getenv("SOVRA_TEST_REDIS_URL");
  if (redis == nullptr) GTEST_SKIP() << "SOVRA_TEST_REDIS_URL is not set (scripts/test starts a throw-away Redis)";
  const std::vector<std::string> args = {"--set", "server.debug_routes=true", "--set", "store.url=" + pg.url(),
                                         "--set", std::string("rate_limits.redis_url=") + redis};
  ServerProcess first("gateway", args);
  ASSERT_TRUE(first.started()) << first.log();
  ServerProcess second("gateway", args);
  ASSERT_TRUE(second.started()) << second.log();
  const auto admin = read_file(first.data_dir() + "/data/initial-admin-key");
  auto project = call(first.port(), "POST", "/v1/organization/projects", admin, R"({"name":"limited"})");
  ASSERT_EQ(project.status, 201) << project.body;
  const auto pid = str(json_of(project), "id");
  auto created = call(first.port(), "POST", "/v1/organization/projects/" + pid + "/api_keys", admin, "{}");
  ASSERT_EQ(created.status, 201) << created.body;
  const auto key = str(json_of(created), "value");
  // A day window: nothing refills while the test runs, so the total must be exactly the limit.
  const int limit = 150;
  ASSERT_EQ(call(first.port(), "POST", "/v1/organization/projects/" + pid + "/rate_limits/rl-*", admin,
                 R"({"max_requests_per_1_day":150})")
                .status,
            200);
  // Both replicas know the key and the rule (one request each, admitted, counted).
  ASSERT_TRUE(eventually([&] {
    auto r = call(second.port(), "POST", "/v1/debug/admit", key, R"({"model":"m"})");
    return r.status == 200 && r.header("x-ratelimit-limit-requests") == "150";
  }));
  ASSERT_EQ(call(first.port(), "POST", "/v1/debug/admit", key, R"({"model":"m"})").header("x-ratelimit-limit-requests"),
            "150");
  std::atomic<int> admitted{2};
  std::atomic<int> refused{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    const int port = t % 2 == 0 ? first.port() : second.port();
    clients.emplace_back([&, port] {
      for (int i = 0; i < 60; ++i) {
        auto r = call(port, "POST", "/v1/debug/admit", key, R"({"model":"m"})");
        if (r.status == 200) ++admitted;
        else if (r.status == 429) ++refused;
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(admitted.load(), limit);
  EXPECT_EQ(refused.load(), 240 + 2 - limit);
  auto last = call(first.port(), "POST", "/v1/debug/admit", key, R"({"model":"m"})");
  EXPECT_EQ(last.status, 429);
  EXPECT_EQ(last.header("x-ratelimit-remaining-requests"), "0");
  EXPECT_FALSE(last.header("retry-after").empty());
  EXPECT_NE(last.body.find("rate_limit_exceeded"), std::string::npos) << last.body;
}

TEST(RateLimitReplicas, TokenReservationsKeepTwoReplicasWithinTheTpmLimit) {
  // Calls reserve prompt + max_tokens (4 100) and use far less (150–549): admitted while the reservations fit, and
  // settled to the actual usage. The used tokens never exceed what GCRA allows over the test's duration t:
  // L + L·t/60 s (a full bucket, then the drain); with reservations alone (no settlement) far fewer calls would fit.
  store::test::PostgresBackend pg;
  if (auto why = pg.skip_reason(); !why.empty()) GTEST_SKIP() << why;
  const char* redis = std::getenv("SOVRA_TEST_REDIS_URL");
  if (redis == nullptr) GTEST_SKIP() << "SOVRA_TEST_REDIS_URL is not set (scripts/test starts a throw-away Redis)";
  const std::vector<std::string> args = {"--set", "server.debug_routes=true", "--set", "store.url=" + pg.url(),
                                         "--set", std::string("rate_limits.redis_url=") + redis};
  ServerProcess first("gateway", args);
  ASSERT_TRUE(first.started()) << first.log();
  ServerProcess second("gateway", args);
  ASSERT_TRUE(second.started()) << second.log();
  const auto admin = read_file(first.data_dir() + "/data/initial-admin-key");
  auto project = call(first.port(), "POST", "/v1/organization/projects", admin, R"({"name":"tpm"})");
  ASSERT_EQ(project.status, 201) << project.body;
  const auto pid = str(json_of(project), "id");
  auto created = call(first.port(), "POST", "/v1/organization/projects/" + pid + "/api_keys", admin, "{}");
  ASSERT_EQ(created.status, 201) << created.body;
  const auto key = str(json_of(created), "value");
  const std::int64_t limit = 20'000;
  ASSERT_EQ(call(first.port(), "POST", "/v1/organization/projects/" + pid + "/rate_limits/rl-*", admin,
                 R"({"max_tokens_per_1_minute":20000})")
                .status,
            200);
  const auto start = std::chrono::steady_clock::now();  // the counters are empty until the rule exists
  for (const auto* s : {&first, &second}) {
    ASSERT_TRUE(eventually([&] {  // zero-token calls: both replicas know the rule
      auto r = call(s->port(), "POST", "/v1/debug/admit", key, R"({"model":"m"})");
      return r.status == 200 && r.header("x-ratelimit-limit-tokens") == "20000";
    }));
  }
  std::atomic<std::int64_t> used{0};
  std::atomic<int> admitted{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    const int port = t % 2 == 0 ? first.port() : second.port();
    clients.emplace_back([&, port, t] {
      for (int i = 0; i < 40; ++i) {
        const int completion = 50 + (t * 7 + i * 13) % 400;
        auto r = call(port, "POST", "/v1/debug/admit", key,
                      R"({"model":"m","prompt_tokens":100,"max_tokens":4000,"completion_tokens":)" +
                          std::to_string(completion) + "}");
        if (r.status == 200) {
          ++admitted;
          used += 100 + completion;
        } else if (r.status == 429) {
          ++refused;
        } else {
          ADD_FAILURE() << r.status << " " << r.body;
        }
      }
    });
  }
  for (auto& c : clients) c.join();
  const auto elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GT(refused.load(), 0);
  EXPECT_GT(admitted.load(), static_cast<int>(limit / 4100));  // settlement gave unused reservations back
  EXPECT_LE(used.load(), limit + limit * elapsed_ms / 60'000 + 1) << "elapsed " << elapsed_ms << " ms";
}

TEST(RateLimitReplicas, RedisKilledMidTestAppliesEachReplicasPolicyAndRecovers) {
  store::test::PostgresBackend pg;
  if (auto why = pg.skip_reason(); !why.empty()) GTEST_SKIP() << why;
  if (std::system("command -v redis-server >/dev/null && command -v redis-cli >/dev/null") != 0) {
    GTEST_SKIP() << "redis-server / redis-cli not installed (scripts/setup installs them)";
  }
  OwnRedis redis;
  ASSERT_TRUE(redis.start());
  const std::vector<std::string> common = {"--set", "server.debug_routes=true", "--set", "store.url=" + pg.url(),
                                           "--set", "rate_limits.redis_url=" + redis.url(), "--set",
                                           "rate_limits.replicas=2"};
  auto with = [&](const char* policy) {
    auto a = common;
    a.insert(a.end(), {"--set", std::string("rate_limits.redis_failure=") + policy});
    return a;
  };
  ServerProcess closed("gateway", with("closed"));
  ASSERT_TRUE(closed.started()) << closed.log();
  ServerProcess open("gateway", with("open"));
  ASSERT_TRUE(open.started()) << open.log();
  const auto admin = read_file(closed.data_dir() + "/data/initial-admin-key");
  auto created = call(closed.port(), "POST", "/v1/organization/projects/proj_default/api_keys", admin, "{}");
  ASSERT_EQ(created.status, 201) << created.body;
  const auto key = str(json_of(created), "value");
  ASSERT_EQ(call(closed.port(), "POST", "/v1/organization/projects/proj_default/rate_limits/rl-*", admin,
                 R"({"max_requests_per_1_day":10})")
                .status,
            200);
  auto admit = [&](const ServerProcess& s) { return call(s.port(), "POST", "/v1/debug/admit", key, R"({"model":"m"})"); };
  ASSERT_TRUE(eventually([&] { return admit(open).header("x-ratelimit-limit-requests") == "10"; }));

  redis.stop();
  // closed: refused with 503 and Retry-After; nothing crashes.
  auto refused = admit(closed);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.header("retry-after"), "1");
  // open: this replica's own counters, with its share of the limit (10 / 2 replicas).
  int admitted = 0;
  for (int i = 0; i < 8; ++i) {
    auto r = admit(open);
    if (r.status == 200) {
      ++admitted;
      EXPECT_EQ(r.header("x-ratelimit-limit-requests"), "5");
    } else {
      EXPECT_EQ(r.status, 429) << r.body;
    }
  }
  EXPECT_EQ(admitted, 5);
  // Both count the failures.
  auto metrics = call(closed.port(), "GET", "/metrics", "");
  EXPECT_NE(metrics.body.find("sovra_rate_limit_decisions_total{result=\"unavailable\"}"), std::string::npos);

  // Redis is back (empty: no persistence): both replicas use it again.
  ASSERT_TRUE(redis.start());
  // (Each connection retries at most every 500 ms after a failure; until then the policy still applies.)
  EXPECT_TRUE(eventually([&] { return admit(closed).status == 200; }));
  EXPECT_TRUE(eventually([&] {
    auto back = admit(open);
    return back.status == 200 && back.header("x-ratelimit-limit-requests") == "10";
  }));
}

TEST(RateLimitReplicas, RedisKilledUnderConcurrentLoadNeverCrashesOrAnswersOutsideThePolicy) {
  // Clients keep calling both replicas while Redis is stopped and started again: every answer is 200 (Redis, or
  // the open replica's local share) or the closed replica's 503 — never a dropped connection or another status —
  // the closed replica refuses while Redis is down, and both admit through Redis again once it is back.
  store::test::PostgresBackend pg;
  if (auto why = pg.skip_reason(); !why.empty()) GTEST_SKIP() << why;
  if (std::system("command -v redis-server >/dev/null && command -v redis-cli >/dev/null") != 0) {
    GTEST_SKIP() << "redis-server / redis-cli not installed (scripts/setup installs them)";
  }
  OwnRedis redis;
  ASSERT_TRUE(redis.start());
  auto with = [&](const char* policy) {
    return std::vector<std::string>{"--set", "server.debug_routes=true", "--set", "store.url=" + pg.url(),
                                    "--set", "rate_limits.redis_url=" + redis.url(), "--set", "rate_limits.replicas=2",
                                    "--set", std::string("rate_limits.redis_failure=") + policy};
  };
  ServerProcess closed("gateway", with("closed"));
  ASSERT_TRUE(closed.started()) << closed.log();
  ServerProcess open("gateway", with("open"));
  ASSERT_TRUE(open.started()) << open.log();
  const auto admin = read_file(closed.data_dir() + "/data/initial-admin-key");
  auto created = call(closed.port(), "POST", "/v1/organization/projects/proj_default/api_keys", admin, "{}");
  ASSERT_EQ(created.status, 201) << created.body;
  const auto key = str(json_of(created), "value");
  ASSERT_EQ(call(closed.port(), "POST", "/v1/organization/projects/proj_default/rate_limits/rl-*", admin,
                 R"({"max_requests_per_1_day":1000000})")
                .status,
            200);
  for (const auto* s : {&closed, &open}) {
    ASSERT_TRUE(eventually([&] {
      return call(s->port(), "POST", "/v1/debug/admit", key, R"({"model":"m"})").header("x-ratelimit-limit-requests") ==
             "1000000";
    }));
  }
  std::atomic<bool> stop{false};
  std::atomic<int> answers{0};
  std::atomic<int> closed_503{0};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    const bool to_closed = t % 2 == 0;
    const int port = to_closed ? closed.port() : open.port();
    clients.emplace_back([&, port, to_closed] {
      while (!stop) {
        auto r = call(port, "POST", "/v1/debug/admit", key, R"({"model":"m"})");
        ++answers;
        if (r.status == 503 && to_closed) ++closed_503;
        else if (r.status != 200) ++unexpected;
      }
    });
  }
  auto wait_answers = [&](int more) {
    const int target = answers.load() + more;
    return eventually([&] { return answers.load() >= target; });
  };
  EXPECT_TRUE(wait_answers(40));
  redis.stop();
  EXPECT_TRUE(eventually([&] { return closed_503.load() > 0; }));
  EXPECT_TRUE(wait_answers(40));
  ASSERT_TRUE(redis.start());
  EXPECT_TRUE(wait_answers(40));
  stop = true;
  for (auto& c : clients) c.join();
  EXPECT_EQ(unexpected.load(), 0);
  // Both alive and back on Redis (the full limit again, not the local share).
  EXPECT_TRUE(eventually([&] { return call(closed.port(), "POST", "/v1/debug/admit", key, R"({"model":"m"})").status == 200; }));
  EXPECT_TRUE(eventually([&] {
    auto r = call(open.port(), "POST", "/v1/debug/admit", key, R"({"model":"m"})");
    return r.status == 200 && r.header("x-ratelimit-limit-requests") == "1000000";
  }));
}

}  // namespace
}  // namespace sovra::test
