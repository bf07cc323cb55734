// The shared counters on a real Redis (SOVRA_TEST_REDIS_URL, started by scripts/test or scripts/with-test-redis);
// skipped, saying so, without one. The "down" tests need no Redis: they use a port where nothing listens.
#include "gateway/rate_limit/redis_counters.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <random>
#include <thread>

#include "gateway/rate_limit/memory_counters.hpp"
#include "gateway/rate_limit/rate_limit_hook.hpp"
#include "support/eventually.hpp"

namespace sovra::gateway::rate_limit {
namespace {

std::string redis_url() {
  const char* v = std::getenv("SOVRA_TEST_REDIS_URL");
  return v != nullptr ? v : "";
}

// A key prefix of its own per test, so that runs never see each other's counters.
std::string fresh_prefix() {
  std::random_device rd;
  return "sovra-test:" + std::to_string(rd()) + std::to_string(rd()) + ":";
}

Result<Acquisition> acquire_sync(CounterStore& c, const std::vector<CounterSpec>& specs, const std::string& lease) {
  std::promise<Result<Acquisition>> p;
  c.acquire(specs, lease, [&](Result<Acquisition> r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

Status settle_sync(CounterStore& c, const std::vector<CounterSpec>& specs, const std::string& lease) {
  std::promise<Status> p;
  c.settle(specs, lease, [&](Status s) { p.set_value(std::move(s)); });
  return p.get_future().get();
}

class RedisCountersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (redis_url().empty()) {
      GTEST_SKIP() << "SOVRA_TEST_REDIS_URL is not set (scripts/test starts a throw-away redis-server; or run "
                      "scripts/with-test-redis <test binary>)";
    }
    auto a = parse_redis_url(redis_url());
    ASSERT_TRUE(a) << a.error().message;
    address_ = *a;
    prefix_ = fresh_prefix();
  }
  std::unique_ptr<RedisCounters> make(int connections = 2) {
    return std::make_unique<RedisCounters>(
        RedisCountersOptions{.address = address_, .connections = connections, .timeout_ms = 2000, .key_prefix = prefix_});
  }
  RedisAddress address_;
  std::string prefix_;
};

TEST(RedisUrl, Parses) {
  auto a = parse_redis_url("redis://:s3cret@10.0.0.5:6380/2");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->host, "10.0.0.5");
  EXPECT_EQ(a->port, 6380);
  EXPECT_EQ(a->password, "s3cret");
  EXPECT_EQ(a->db, 2);
  auto b = parse_redis_url("redis://alice:pw@cache");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->user, "alice");
  EXPECT_EQ(b->port, 6379);
  EXPECT_FALSE(parse_redis_url("http://x"));
  EXPECT_FALSE(parse_redis_url("redis://x:99999"));
  EXPECT_FALSE(parse_redis_url("redis://x:1/abc"));
}

TEST_F(RedisCountersTest, TwoLimitersSharingRedisAdmitExactlyTheLimitUnderConcurrentLoad) {
  // Two "replicas" (two RedisCounters, own connections), 4 threads each, hammering one 600/min limit.
  auto a = make();
  auto b = make();
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < 8; ++t) {
    CounterStore* c = t % 2 == 0 ? a.get() : b.get();
    threads.emplace_back([&, c] {
      for (int i = 0; i < 150; ++i) {
        auto r = acquire_sync(*c, {{"p:proj:*:rpm", CounterKind::kRate, 600, kMinuteMs, 1}}, "l");
        ASSERT_TRUE(r) << r.error().message;
        if (r->admitted) ++admitted;
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  // The bucket refills one request per 100 ms: exactly 600 plus what refilled while the test ran (usually 0-2).
  EXPECT_GE(admitted.load(), 600);
  EXPECT_LE(admitted.load(), 600 + elapsed_ms / 100 + 1) << "elapsed " << elapsed_ms << " ms";
}

TEST_F(RedisCountersTest, ExactWithADayWindow) {
  // A day window refills one unit per 86.4 s at limit 1000: nothing can leak in during the test.
  auto a = make();
  auto b = make();
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    CounterStore* c = t % 2 == 0 ? a.get() : b.get();
    threads.emplace_back([&, c] {
      for (int i = 0; i < 300; ++i) {
        auto r = acquire_sync(*c, {{"k:key:*:rpd", CounterKind::kRate, 1000, kDayMs, 1}}, "l");
        if (r && r->admitted) ++admitted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 1000);
}

TEST_F(RedisCountersTest, AllOrNothingAndSettlement) {
  auto c = make(1);
  const CounterSpec tokens{"p:proj:*:tpd", CounterKind::kRate, 1000, kDayMs, 800};
  const CounterSpec small{"k:key:*:rpd", CounterKind::kRate, 1, kDayMs, 1};
  auto first = acquire_sync(*c, {tokens, small}, "a");
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(first->admitted);
  EXPECT_EQ(first->states[0].remaining, 200);
  EXPECT_EQ(first->states[1].remaining, 0);
  auto second = acquire_sync(*c, {{"p:proj:*:tpd", CounterKind::kRate, 1000, kDayMs, 100}, small}, "b");
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->admitted);
  EXPECT_EQ(second->refused, 1u);
  EXPECT_EQ(second->states[0].remaining, 200);  // not charged: the other counter refused
  EXPECT_EQ(second->retry_after_ms, kDayMs);
  // The first call used 50 of its 800 tokens.
  ASSERT_TRUE(settle_sync(*c, {{"p:proj:*:tpd", CounterKind::kRate, 1000, kDayMs, 50 - 800}}, "a"));
  auto third = acquire_sync(*c, {{"p:proj:*:tpd", CounterKind::kRate, 1000, kDayMs, 900}}, "c");
  ASSERT_TRUE(third);
  EXPECT_TRUE(third->admitted);
  EXPECT_EQ(third->states[0].remaining, 50);
}

TEST_F(RedisCountersTest, ConcurrencyLeasesAcrossReplicas) {
  auto a = make(1);
  auto b = make(1);
  const CounterSpec conc{"k:key:*:conc", CounterKind::kConcurrency, 2, 0, 1};
  EXPECT_TRUE(acquire_sync(*a, {conc}, "x")->admitted);
  EXPECT_TRUE(acquire_sync(*b, {conc}, "y")->admitted);
  EXPECT_FALSE(acquire_sync(*a, {conc}, "z")->admitted);
  ASSERT_TRUE(settle_sync(*b, {conc}, "x"));  // released by the other replica: leases are shared
  EXPECT_TRUE(acquire_sync(*b, {conc}, "z")->admitted);
}

TEST_F(RedisCountersTest, MatchesTheInProcessCountersStepForStep) {
  // Same sequence on both implementations at (nearly) the same time: the same decisions and remaining units.
  auto redis = make(1);
  MemoryCounters memory;
  const std::int64_t limit = 1'000'000;
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    const std::int64_t cost = std::uniform_int_distribution<std::int64_t>(0, 20'000)(rng);
    const CounterSpec spec{"t:*:tpd", CounterKind::kRate, limit, kDayMs, cost};
    auto r = acquire_sync(*redis, {spec}, "l");
    auto m = memory.acquire_now({spec}, "l");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->admitted, m.admitted) << i;
    // A day tick is 1.44 s: the drain between the two calls is at most one tick's worth (limit/60000 units).
    EXPECT_NEAR(static_cast<double>(r->states[0].remaining), static_cast<double>(m.states[0].remaining),
                static_cast<double>(limit / kTicks + 1))
        << i;
  }
}

TEST_F(RedisCountersTest, SurvivesRedisForgettingItsScripts) {
  auto c = make(1);
  const std::vector<CounterSpec> spec = {{"f:*:rpd", CounterKind::kRate, 1000, kDayMs, 1}};
  ASSERT_TRUE(acquire_sync(*c, spec, "l"));
  // SCRIPT FLUSH (or a Redis restart) drops the cached scripts: the next EVALSHA gets NOSCRIPT and reloads.
  redisContext* raw = redisConnect(address_.host.c_str(), address_.port);
  ASSERT_TRUE(raw != nullptr && raw->err == 0);
  freeReplyObject(redisCommand(raw, "SCRIPT FLUSH"));
  redisFree(raw);
  // Several at once, so that some go out in one pipeline.
  std::vector<std::future<Result<Acquisition>>> pending;
  for (int i = 0; i < 20; ++i) {
    auto p = std::make_shared<std::promise<Result<Acquisition>>>();
    pending.push_back(p->get_future());
    c->acquire(spec, "l", [p](Result<Acquisition> r) { p->set_value(std::move(r)); });
  }
  for (auto& f : pending) {
    auto r = f.get();
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->admitted);
  }
  auto last = acquire_sync(*c, spec, "l");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->states[0].remaining, 1000 - 22);
}

TEST(RedisCountersDown, FailsFastAndTheHookAppliesThePolicy) {
  // Nothing listens on port 1 of loopback: connection refused at once.
  auto down = std::make_shared<RedisCounters>(
      RedisCountersOptions{.address = {.host = "127.0.0.1", .port = 1}, .connections = 1, .timeout_ms = 200});
  auto r = acquire_sync(*down, {{"x", CounterKind::kRate, 10, kMinuteMs, 1}}, "l");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);

  auto table = std::make_shared<LimitTable>(LimitDefaults{.key = {.requests_per_minute = 4}});
  auto principal = std::make_shared<platform::Principal>();
  principal->key_id = "k";
  principal->org_id = "o";
  principal->project_id = "p";
  CallInfo info;
  info.principal = principal;
  info.model = "m";
  auto run = [&](RateLimitHook& hook) {
    std::promise<Result<Admission>> p;
    std::vector<http::Header> headers;
    hook.admit(info, headers, [&](Result<Admission> a) { p.set_value(std::move(a)); });
    return p.get_future().get();
  };
  RateLimitHook closed({.table = table, .counters = down});
  auto refused = run(closed);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().status(), 503);

  RateLimitHook open({.table = table, .counters = down, .fallback = std::make_shared<MemoryCounters>(), .replicas = 2});
  int admitted = 0;
  for (int i = 0; i < 5; ++i) {
    auto a = run(open);
    if (a) {
      ++admitted;
      if (a->ticket) a->ticket->finish(CallResult{}, [] {});
    }
  }
  EXPECT_EQ(admitted, 2);  // 4 per minute over 2 replicas
}

TEST_F(RedisCountersTest, RecoversWhenRedisComesBack) {
  // A limiter pointed at a port where a Redis starts later: refused first, then served once it is up.
  const char* server = "/usr/bin/redis-server";
  if (std::system((std::string("test -x ") + server).c_str()) != 0) GTEST_SKIP() << "no " << server;
  const int port = 20000 + static_cast<int>(std::random_device{}() % 20000);
  RedisCounters late({.address = {.host = "127.0.0.1", .port = port}, .connections = 1, .timeout_ms = 200,
                      .retry_ms = 50});
  const std::vector<CounterSpec> spec = {{"x", CounterKind::kRate, 10, kMinuteMs, 1}};
  ASSERT_FALSE(acquire_sync(late, spec, "l"));
  const std::string cmd = std::string(server) + " --port " + std::to_string(port) +
                          " --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --pidfile /tmp/sovra-rl-" +
                          std::to_string(port) + ".pid --logfile /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const bool up = sovra::test::eventually([&] {
    auto r = acquire_sync(late, spec, "l");
    return r && r->admitted;
  });
  std::system(("kill $(cat /tmp/sovra-rl-" + std::to_string(port) + ".pid) 2>/dev/null; rm -f /tmp/sovra-rl-" +
               std::to_string(port) + ".pid")
                  .c_str());
  EXPECT_TRUE(up);
}

}  // namespace
}  // namespace sovra::gateway::rate_limit
