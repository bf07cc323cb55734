// The budget counters' Lua scripts on a real Redis (SOVRA_TEST_REDIS_URL, started by scripts/test or
// scripts/with-test-redis); skipped, saying so, without one. The "down" tests need no Redis: they use a port where
// nothing listens.
#include "gateway/budget/redis_spend.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <cstdlib>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "api/openai/error.hpp"
#include "gateway/budget/budget_hook.hpp"
#include "integration/own_redis.hpp"
#include "support/eventually.hpp"

namespace sovra::gateway::budget {
namespace {

namespace pricing = platform::pricing;
using Verdict = SpendTracker::Verdict;

std::string redis_url() {
  const char* v = std::getenv("SOVRA_TEST_REDIS_URL");
  return v != nullptr ? v : "";
}

const platform::billing::Month kMonth{2026, 11};

// The "ledger": what each scope already spent this month, and how often it was read.
struct Ledger {
  std::mutex mu;
  std::map<std::string, std::int64_t> spent;  // project id ("" = organisation) → nanos
  std::atomic<int> reads{0};
  SpendTracker::Loader loader() {
    return [this](const ScopeKey& k) -> Result<std::int64_t> {
      ++reads;
      std::lock_guard lock(mu);
      return spent[k.project_id];
    };
  }
};

class RedisSpendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (redis_url().empty()) {
      GTEST_SKIP() << "SOVRA_TEST_REDIS_URL is not set (scripts/test starts a throw-away redis-server; or run "
                      "scripts/with-test-redis <test binary>)";
    }
    auto a = rate_limit::parse_redis_url(redis_url());
    ASSERT_TRUE(a) << a.error().message;
    address_ = *a;
    std::random_device rd;
    prefix_ = "sovra-test:budget:" + std::to_string(rd()) + std::to_string(rd()) + ":";
  }

  std::shared_ptr<RedisSpend> make(std::int64_t reservation_ms = 3'600'000, int connections = 2) {
    return std::make_shared<RedisSpend>(RedisSpendOptions{
        .redis = {.address = address_, .connections = connections, .timeout_ms = 2000, .retry_ms = 50},
        .key_prefix = prefix_,
        .reservation_ms = reservation_ms,
        .loader = ledger_.loader(),
        .executor = executor_});
  }

  static SpendTracker::Limit limit(std::string project, std::int64_t amount, bool hard = true) {
    return {{"org_1", std::move(project), kMonth}, {amount}, hard};
  }

  static Result<Verdict> reserve(RedisSpend& s, const std::vector<SpendTracker::Limit>& limits, std::int64_t worst,
                                 const std::string& id) {
    std::promise<Result<Verdict>> p;
    s.reserve(limits, {worst}, id, [&](Result<Verdict> v) { p.set_value(std::move(v)); });
    return p.get_future().get();
  }

  static Status settle(RedisSpend& s, const std::vector<SpendTracker::Limit>& limits, std::int64_t actual,
                       const std::string& id) {
    std::vector<ScopeKey> keys;
    for (const auto& l : limits) keys.push_back(l.key);
    std::promise<Status> p;
    s.settle(keys, id, {actual}, [&](Status st) { p.set_value(std::move(st)); });
    return p.get_future().get();
  }

  // A field of a scope's hash, read directly (-1 when absent).
  std::int64_t field(const RedisSpend& s, const ScopeKey& k, const char* name) {
    redisContext* c = redisConnect(address_.host.c_str(), address_.port);
    EXPECT_TRUE(c != nullptr && c->err == 0);
    if (!address_.password.empty()) freeReplyObject(redisCommand(c, "AUTH %s", address_.password.c_str()));
    if (address_.db != 0) freeReplyObject(redisCommand(c, "SELECT %d", address_.db));
    auto* r = static_cast<redisReply*>(redisCommand(c, "HGET %s %s", s.key_of(k).c_str(), name));
    std::int64_t out = r != nullptr && r->type == REDIS_REPLY_STRING ? std::stoll(std::string(r->str, r->len)) : -1;
    freeReplyObject(r);
    redisFree(c);
    return out;
  }

  // Points the test at a Redis of its own (started here) instead of the shared one.
  void use_own_redis(test::OwnRedis& own) {
    ASSERT_TRUE(own.start());
    auto a = rate_limit::parse_redis_url(own.url());
    ASSERT_TRUE(a) << a.error().message;
    address_ = *a;
  }

  // Closes every client connection but the one sending this (as a Redis restart or a network cut would). Only on a
  // Redis of the test's own (use_own_redis): the shared one serves other tests running in parallel.
  void kill_clients() {
    redisContext* c = redisConnect(address_.host.c_str(), address_.port);
    ASSERT_TRUE(c != nullptr && c->err == 0);
    if (!address_.password.empty()) freeReplyObject(redisCommand(c, "AUTH %s", address_.password.c_str()));
    freeReplyObject(redisCommand(c, "CLIENT KILL TYPE normal SKIPME yes"));
    redisFree(c);
  }

  void drop_keys(const RedisSpend& s, const ScopeKey& k) {
    redisContext* c = redisConnect(address_.host.c_str(), address_.port);
    ASSERT_TRUE(c != nullptr && c->err == 0);
    if (!address_.password.empty()) freeReplyObject(redisCommand(c, "AUTH %s", address_.password.c_str()));
    if (address_.db != 0) freeReplyObject(redisCommand(c, "SELECT %d", address_.db));
    const auto key = s.key_of(k);
    freeReplyObject(redisCommand(c, "DEL %s %s:exp", key.c_str(), key.c_str()));
    redisFree(c);
  }

  rate_limit::RedisAddress address_;
  std::string prefix_;
  Ledger ledger_;
  std::shared_ptr<store::Executor> executor_ = std::make_shared<store::Executor>(2);
};

TEST_F(RedisSpendTest, AdmitsUpToTheBudgetExactlyAndReportsWhatRefused) {
  ledger_.spent[""] = 400;
  auto s = make();
  const std::vector<SpendTracker::Limit> limits{limit("", 1000)};
  auto a = reserve(*s, limits, 600, "c1");  // 400 + 600 = 1000: fits exactly
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_TRUE(a->admitted);
  auto b = reserve(*s, limits, 1, "c2");  // 400 + 600 reserved + 1 > 1000
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->admitted);
  EXPECT_EQ(b->refused_by, 0);
  EXPECT_EQ(b->spent_nanos, 400);
  EXPECT_EQ(b->reserved_nanos, 600);
  EXPECT_EQ(ledger_.reads.load(), 1);  // seeded once from the ledger, then Redis alone
  // Settled to 250: 350 left.
  ASSERT_TRUE(settle(*s, limits, 250, "c1"));
  EXPECT_EQ(field(*s, limits[0].key, "spent"), 650);
  EXPECT_EQ(field(*s, limits[0].key, "reserved"), 0);
  EXPECT_FALSE(reserve(*s, limits, 351, "c3")->admitted);
  EXPECT_TRUE(reserve(*s, limits, 350, "c4")->admitted);
  EXPECT_EQ(ledger_.reads.load(), 1);
}

TEST_F(RedisSpendTest, AllScopesOfACallAreReservedOrNone) {
  auto s = make();
  const std::vector<SpendTracker::Limit> both{limit("", 1000), limit("proj_1", 300)};
  ASSERT_TRUE(reserve(*s, both, 300, "c1")->admitted);
  auto refused = reserve(*s, both, 1, "c2");  // the project is full
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->admitted);
  EXPECT_EQ(refused->refused_by, 1);
  EXPECT_EQ(field(*s, both[0].key, "reserved"), 300);  // the organisation was not charged for c2
  // Another project of the same organisation still fits in the organisation's budget.
  const std::vector<SpendTracker::Limit> other{limit("", 1000), limit("proj_2", 1000)};
  EXPECT_TRUE(reserve(*s, other, 700, "c3")->admitted);
  EXPECT_FALSE(reserve(*s, other, 1, "c4")->admitted);
}

TEST_F(RedisSpendTest, SoftBudgetsAdmitAndFlag) {
  auto s = make();
  const std::vector<SpendTracker::Limit> limits{limit("", 1000, false), limit("proj_1", 5000)};
  auto a = reserve(*s, limits, 1500, "c1");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->admitted);
  ASSERT_EQ(a->soft_crossed.size(), 1u);
  EXPECT_EQ(a->soft_crossed[0], 0u);
  EXPECT_TRUE(reserve(*s, limits, 10, "c2")->soft_crossed.size() == 1);
}

TEST_F(RedisSpendTest, LostKeysAreSeededAgainFromTheLedger) {
  ledger_.spent["proj_1"] = 100;
  auto s = make();
  const std::vector<SpendTracker::Limit> limits{limit("proj_1", 1000)};
  ASSERT_TRUE(reserve(*s, limits, 500, "c1")->admitted);
  ASSERT_TRUE(settle(*s, limits, 500, "c1"));
  EXPECT_EQ(field(*s, limits[0].key, "spent"), 600);
  // Redis loses the month (restart without persistence, eviction); the ledger meanwhile holds 900.
  drop_keys(*s, limits[0].key);
  ledger_.spent["proj_1"] = 900;
  // A settlement while the key is absent does not invent a spend (the ledger has it).
  ASSERT_TRUE(settle(*s, limits, 7, "gone"));
  EXPECT_EQ(field(*s, limits[0].key, "spent"), -1);
  EXPECT_FALSE(reserve(*s, limits, 101, "c2")->admitted);
  EXPECT_EQ(field(*s, limits[0].key, "spent"), 900);
  EXPECT_TRUE(reserve(*s, limits, 100, "c3")->admitted);
  EXPECT_EQ(ledger_.reads.load(), 2);
}

TEST_F(RedisSpendTest, ReservationsOfACrashedReplicaExpire) {
  auto crashed = make(200);  // its reservations expire after 200 ms
  const std::vector<SpendTracker::Limit> limits{limit("", 1000)};
  ASSERT_TRUE(reserve(*crashed, limits, 1000, "lost")->admitted);  // never settled
  auto alive = make();
  EXPECT_FALSE(reserve(*alive, limits, 1, "c1")->admitted);
  EXPECT_TRUE(test::eventually([&] { return reserve(*alive, limits, 1000, "c2")->admitted; }));
  EXPECT_EQ(field(*alive, limits[0].key, "reserved"), 1000);  // only c2's
  // The crashed call settling late adds its cost but releases nothing it no longer holds.
  ASSERT_TRUE(settle(*crashed, limits, 10, "lost"));
  EXPECT_EQ(field(*alive, limits[0].key, "reserved"), 1000);
  EXPECT_EQ(field(*alive, limits[0].key, "spent"), 10);
}

TEST_F(RedisSpendTest, TwoReplicasUnderConcurrencyAdmitExactlyWhatFits) {
  // Two RedisSpend objects (two replicas), 8 threads: budget 100 × 37 + 36 → exactly 100 calls of 37 fit.
  auto a = make();
  auto b = make();
  const std::vector<SpendTracker::Limit> limits{limit("", 100 * 37 + 36), limit("proj_1", 1'000'000)};
  std::atomic<int> admitted{0};
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto& s = t % 2 == 0 ? *a : *b;
      for (int i = 0; i < 30; ++i) {
        const auto id = "c" + std::to_string(next++);
        auto v = reserve(s, limits, 37, id);
        ASSERT_TRUE(v) << v.error().message;
        if (!v->admitted) continue;
        ++admitted;
        ASSERT_TRUE(settle(s, limits, 37, id));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(admitted.load(), 100);
  EXPECT_EQ(field(*a, limits[0].key, "spent"), 3700);
  EXPECT_EQ(field(*a, limits[0].key, "reserved"), 0);
  EXPECT_EQ(field(*a, limits[1].key, "spent"), 3700);
}

TEST_F(RedisSpendTest, AConnectionRedisDroppedIsReplacedWithinTheCall) {
  if (!test::have_redis_server()) GTEST_SKIP() << "needs redis-server on PATH for a Redis of its own";
  test::OwnRedis own;
  use_own_redis(own);
  if (HasFatalFailure()) return;
  auto s = make(3'600'000, /*connections=*/1);  // one connection, open (connections are made on first use)
  const std::vector<SpendTracker::Limit> limits{limit("", 1000)};
  ASSERT_TRUE(reserve(*s, limits, 400, "c1")->admitted);
  kill_clients();  // as after a Redis restart: the pooled connection is closed under the tracker
  EXPECT_TRUE(settle(*s, limits, 300, "c1"));  // one more try on a new connection
  EXPECT_EQ(s->unsettled(), 0u);
  EXPECT_EQ(field(*s, limits[0].key, "spent"), 300);
  EXPECT_EQ(field(*s, limits[0].key, "reserved"), 0);
}

TEST_F(RedisSpendTest, ASettlementThatFailedIsSentAgainOnceRedisAnswers) {
  if (!test::have_redis_server()) GTEST_SKIP() << "needs redis-server on PATH for a Redis of its own";
  test::OwnRedis own;
  use_own_redis(own);
  if (HasFatalFailure()) return;
  auto s = make(3'600'000, /*connections=*/1);
  const std::vector<SpendTracker::Limit> limits{limit("", 1000)};
  ASSERT_TRUE(reserve(*s, limits, 400, "c1")->admitted);
  // Redis stops answering (its data kept) for longer than the settlement's two tries (2 s timeout each).
  {
    redisContext* c = redisConnect(address_.host.c_str(), address_.port);
    ASSERT_TRUE(c != nullptr && c->err == 0);
    freeReplyObject(redisCommand(c, "CLIENT PAUSE 6000 ALL"));
    redisFree(c);
  }
  EXPECT_FALSE(settle(*s, limits, 300, "c1"));
  EXPECT_EQ(s->unsettled(), 1u);
  // The next script that gets through sends it again: 300 spent, the reservation released.
  EXPECT_TRUE(test::eventually(
      [&] {
        auto v = reserve(*s, limits, 1, "probe");
        return v && v->admitted;
      },
      std::chrono::seconds(20)));
  EXPECT_TRUE(test::eventually([&] { return field(*s, limits[0].key, "spent") == 300; }));
  EXPECT_EQ(field(*s, limits[0].key, "reserved"), 1);  // only the probe's
  EXPECT_EQ(s->unsettled(), 0u);
}

TEST(RedisSpendDown, ReserveFailsAsUnavailable) {
  auto s = std::make_shared<RedisSpend>(RedisSpendOptions{
      .redis = {.address = {.host = "127.0.0.1", .port = 1}, .connections = 1, .timeout_ms = 200},
      .loader = [](const ScopeKey&) -> Result<std::int64_t> { return 0; },
      .executor = std::make_shared<store::Executor>(1)});
  std::promise<Result<Verdict>> p;
  s->reserve({{{"org_1", "", kMonth}, {10}, true}}, {1}, "c", [&](Result<Verdict> v) { p.set_value(std::move(v)); });
  auto v = p.get_future().get();
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::kUnavailable);
}

// The hook with Redis unreachable: closed → 503 budget_unavailable; open → this process's share of what is left.
struct DownWorld {
  std::shared_ptr<BudgetBook> budgets = std::make_shared<BudgetBook>();
  std::shared_ptr<pricing::PricingState> pricing = std::make_shared<pricing::PricingState>("EUR");
  std::shared_ptr<store::Executor> executor = std::make_shared<store::Executor>(1);
  std::shared_ptr<SpendTracker> tracker =
      std::make_shared<SpendTracker>([](const ScopeKey&) -> Result<std::int64_t> { return 4'000; });
  std::shared_ptr<CallHook> hook;

  explicit DownWorld(bool open) {
    pricing::Price p;
    p.id = "price_1";
    p.model = "tiny";
    p.currency = "EUR";
    p.input_per_1m = {1'000'000};  // nanos per million tokens: 1 nano per token
    p.output_per_1m = {1'000'000};
    pricing->set(std::make_shared<const pricing::PriceBook>(std::vector<pricing::Price>{p}), {});
    budgets->set({{"org_1", "", {10'000}, true, 0}});
    auto shared = std::make_shared<RedisSpend>(RedisSpendOptions{
        .redis = {.address = {.host = "127.0.0.1", .port = 1}, .connections = 1, .timeout_ms = 200},
        .loader = [](const ScopeKey&) -> Result<std::int64_t> { return 4'000; },
        .executor = executor});
    hook = make_budget_hook({.budgets = budgets, .tracker = tracker, .pricing = pricing, .executor = executor,
                             .shared = shared, .fail_open = open, .replicas = 3});
  }

  struct Outcome {
    std::optional<Result<Admission>> admission;
    std::vector<http::Header> headers;
  };
  std::shared_ptr<Outcome> admit(std::int64_t prompt, std::int64_t max_out) {
    CallInfo i;
    i.request_id = "req";
    auto who = std::make_shared<platform::Principal>();
    who->org_id = "org_1";
    who->project_id = "proj_1";
    i.principal = who;
    i.model = "tiny";
    i.prompt_tokens = prompt;
    i.max_output_tokens = max_out;
    i.started = std::chrono::system_clock::time_point(std::chrono::seconds(1'793'491'200 + 86400));
    auto out = std::make_shared<Outcome>();
    std::atomic<bool> done{false};
    hook->admit(i, out->headers, [&, out](Result<Admission> a) {
      out->admission = std::move(a);
      done = true;
    });
    EXPECT_TRUE(test::eventually([&] { return done.load(); }));
    return out;
  }
};

TEST(RedisSpendDown, FailClosedRefusesWith503) {
  DownWorld w(false);
  auto o = w.admit(10, 10);
  ASSERT_FALSE(*o->admission);
  EXPECT_EQ(o->admission->error().status(), 503);
  EXPECT_EQ(o->admission->error().api_code, "budget_unavailable");
  ASSERT_EQ(o->headers.size(), 1u);
  EXPECT_EQ(o->headers[0].name, "retry-after");
}

TEST(RedisSpendDown, FailOpenSpendsThisReplicasShareOfWhatIsLeft) {
  DownWorld w(true);
  // Ledger 4 000 of 10 000: 6 000 left, this replica's share (3 replicas) is 2 000 → calls of 1 000 (500 + 500):
  // exactly two fit.
  int admitted = 0;
  for (int i = 0; i < 4; ++i) {
    auto o = w.admit(500, 500);
    if (*o->admission) {
      ++admitted;
    } else {
      EXPECT_EQ(o->admission->error().status(), 429);
    }
  }
  EXPECT_EQ(admitted, 2);
}

}  // namespace
}  // namespace sovra::gateway::budget
