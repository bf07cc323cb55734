// Two `sovra gateway` replicas sharing PostgreSQL (ledger, budgets) and Redis (this month's spend and the
// reservations of calls in flight): concurrent calls near a hard budget from both sides never take the ledger over
// it, and admit everything that fits. Through /v1/debug/charge (server.debug_routes), which runs the metering and
// budget hooks exactly as an inference call meets them (a ledger row per call). Needs SOVRA_TEST_POSTGRES_URL and
// SOVRA_TEST_REDIS_URL (scripts/test, or scripts/with-test-postgres scripts/with-test-redis <binary>).
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "integration/auth_support.hpp"
#include "integration/own_redis.hpp"
#include "platform/pricing/money.hpp"
#include "store/store_backends.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

// 0.001 EUR per output token, nothing for input: a call's cost is completion_tokens × 0.001.
std::string price_file() {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("sovra-budget-prices-" + std::to_string(::getpid()) + ".json")).string();
  std::ofstream(path) << R"({"prices":[{"model":"m","currency":"EUR","effective_from":"2020-01-01",)"
                      << R"("input_per_1m":"0","output_per_1m":"1000"}]})";
  return path;
}

std::string charge(int tokens, int completion) {
  return R"({"model":"m","prompt_tokens":0,"max_tokens":)" + std::to_string(tokens) + R"(,"completion_tokens":)" +
         std::to_string(completion) + "}";
}

class BudgetReplicas : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = pg_.skip_reason(); !why.empty()) GTEST_SKIP() << why;
  }

  // The two replicas on `redis` (first: fail closed, second: fail open, when Redis is unreachable).
  void start(const std::string& redis) {
    const std::vector<std::string> args = {"--set", "server.debug_routes=true", "--set", "store.url=" + pg_.url(),
                                           "--set", "rate_limits.redis_url=" + redis,
                                           "--set", "rate_limits.replicas=2", "--set", "metering.refresh_ms=100"};
    auto first_args = args;
    first_args.insert(first_args.end(), {"--set", "metering.price_file=" + price_file(), "--set",
                                         "rate_limits.redis_failure=closed"});
    first_ = std::make_unique<ServerProcess>("gateway", first_args);
    ASSERT_TRUE(first_->started()) << first_->log();
    second_ = std::make_unique<ServerProcess>("gateway", args);  // reads the price book from the shared store
    ASSERT_TRUE(second_->started()) << second_->log();
    admin_ = read_file(first_->data_dir() + "/data/initial-admin-key");
  }

  // The shared Redis of scripts/test; false (the test skips) without one.
  bool start_on_test_redis() {
    const char* redis = std::getenv("SOVRA_TEST_REDIS_URL");
    if (redis == nullptr) return false;
    start(redis);
    return true;
  }

  // A project with its own key and a hard budget of `amount` EUR, known to both replicas.
  std::string project_with_budget(const std::string& name, const std::string& amount) {
    auto project = call(first_->port(), "POST", "/v1/organization/projects", admin_, R"({"name":")" + name + "\"}");
    EXPECT_EQ(project.status, 201) << project.body;
    pid_ = str(json_of(project), "id");
    auto created = call(first_->port(), "POST", "/v1/organization/projects/" + pid_ + "/api_keys", admin_, "{}");
    EXPECT_EQ(created.status, 201) << created.body;
    const auto key = str(json_of(created), "value");
    auto b = call(first_->port(), "POST", "/v1/organization/budgets", admin_,
                  R"({"project_id":")" + pid_ + R"(","amount":")" + amount + R"(","hard":true})");
    EXPECT_EQ(b.status, 200) << b.body;
    // Both replicas refuse a call whose worst case alone is over the budget (they know the key, price and budget).
    for (const auto* s : {first_.get(), second_.get()}) {
      EXPECT_TRUE(eventually([&] {
        auto r = call(s->port(), "POST", "/v1/debug/charge", key, charge(1'000'000, 0));
        return r.status == 429 && r.body.find("insufficient_quota") != std::string::npos;
      })) << s->log();
    }
    return key;
  }

  // This month's spend of the project's budget, as the ledger holds it (nanos).
  std::int64_t ledger_spend() {
    auto list = call(first_->port(), "GET", "/v1/organization/budgets", admin_, "");
    EXPECT_EQ(list.status, 200) << list.body;
    const auto body = json_of(list);
    for (const auto& b : body.as_object().at("data").as_array()) {
      const auto& o = b.as_object();
      if (o.at("project_id").is_string() && o.at("project_id").as_string() == pid_) {
        auto m = platform::pricing::parse_money(std::string(o.at("spent").as_string()));
        EXPECT_TRUE(m);
        return m ? m->nanos : -1;
      }
    }
    ADD_FAILURE() << "no budget for " << pid_ << ": " << list.body;
    return -1;
  }

  store::test::PostgresBackend pg_;
  std::unique_ptr<ServerProcess> first_;
  std::unique_ptr<ServerProcess> second_;
  std::string admin_;
  std::string pid_;
};

constexpr std::int64_t kMilli = 1'000'000;  // 0.001 EUR in nanos: one output token

TEST_F(BudgetReplicas, CallsCostingTheirWorstCaseFillTheBudgetExactly) {
  // Budget 3.05, every call reserves and costs 0.1 (100 tokens): exactly 30 fit (3.0 ≤ 3.05 < 3.1), whatever
  // the interleaving — a refusal means 30 calls were settled or in flight, and all of those complete.
  if (!start_on_test_redis()) GTEST_SKIP() << "SOVRA_TEST_REDIS_URL is not set (scripts/test starts a throw-away Redis)";
  if (HasFatalFailure()) return;
  const auto key = project_with_budget("exact", "3.05");
  std::atomic<int> admitted{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    const int port = t % 2 == 0 ? first_->port() : second_->port();
    clients.emplace_back([&, port] {
      for (int i = 0; i < 15; ++i) {
        auto r = call(port, "POST", "/v1/debug/charge", key, charge(100, 100));
        if (r.status == 200) ++admitted;
        else if (r.status == 429 && r.body.find("insufficient_quota") != std::string::npos) ++refused;
        else ADD_FAILURE() << r.status << " " << r.body;
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(admitted.load(), 30);
  EXPECT_EQ(refused.load(), 30);
  EXPECT_EQ(ledger_spend(), 30 * 100 * kMilli);
}

TEST_F(BudgetReplicas, CallsCostingLessThanReservedNeverCrossAndLeaveNothingUnused) {
  // Budget 3.05; every call reserves 0.1 (100 tokens) and costs 0.02–0.1. Asserted: (1) the ledger never goes over
  // the budget; (2) the ledger is exactly the sum of the admitted calls' costs; (3) once nothing is in flight, the
  // shared counters hold no reservation and exactly the ledger's spend: a call whose worst case is precisely what
  // is left is admitted (on the other replica), after which a call of one token is refused. (While calls are in
  // flight, a call may be refused for reservations that later settle lower: that is the only under-admission.)
  if (!start_on_test_redis()) GTEST_SKIP() << "SOVRA_TEST_REDIS_URL is not set (scripts/test starts a throw-away Redis)";
  if (HasFatalFailure()) return;
  const auto key = project_with_budget("varied", "3.05");
  const std::int64_t budget = 3050 * kMilli;
  std::atomic<std::int64_t> admitted_cost{0};
  std::atomic<int> admitted{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    const int port = t % 2 == 0 ? first_->port() : second_->port();
    clients.emplace_back([&, port, t] {
      for (int i = 0; i < 40; ++i) {
        const int used = 20 + (t * 7 + i * 13) % 81;
        auto r = call(port, "POST", "/v1/debug/charge", key, charge(100, used));
        if (r.status == 200) {
          ++admitted;
          admitted_cost += used * kMilli;
        } else if (r.status != 429) {
          ADD_FAILURE() << r.status << " " << r.body;
        }
      }
    });
  }
  for (auto& c : clients) c.join();
  const auto spent = ledger_spend();
  EXPECT_GT(admitted.load(), 30);  // more than the 30 a worst-case-only count would allow
  EXPECT_LE(spent, budget);
  EXPECT_EQ(spent, admitted_cost.load());
  const auto left_tokens = static_cast<int>((budget - spent) / kMilli);
  if (left_tokens > 0) {
    auto fill = call(second_->port(), "POST", "/v1/debug/charge", key, charge(left_tokens, left_tokens));
    EXPECT_EQ(fill.status, 200) << fill.body;
  }
  auto over = call(first_->port(), "POST", "/v1/debug/charge", key, charge(1, 1));
  EXPECT_EQ(over.status, 429) << over.body;
  EXPECT_EQ(ledger_spend(), budget);
}

TEST_F(BudgetReplicas, RedisDownAppliesTheRateLimitPolicyAndTheLedgerReseedsRedis) {
  // Budget 1.00, calls of 0.1. Redis stopped: the closed replica refuses (503 budget_unavailable), the open one
  // spends its share (1/2 replicas) of what was left. Redis back, empty: both seed the month from the ledger again,
  // so exactly what is left of the budget is admitted across both.
  if (!have_redis_server()) GTEST_SKIP() << "redis-server / redis-cli not installed (scripts/setup installs them)";
  OwnRedis redis;
  ASSERT_TRUE(redis.start());
  start(redis.url());
  if (HasFatalFailure()) return;
  const auto key = project_with_budget("down", "1.00");
  for (int i = 0; i < 2; ++i) {  // 0.2 spent through Redis
    ASSERT_EQ(call(first_->port(), "POST", "/v1/debug/charge", key, charge(100, 100)).status, 200);
  }
  redis.stop();
  auto refused = call(first_->port(), "POST", "/v1/debug/charge", key, charge(100, 100));
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("budget_unavailable"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.header("retry-after"), "1");
  // Open: 0.8 left when it loaded the ledger, its share 0.4 → four calls of 0.1.
  int admitted = 0;
  for (int i = 0; i < 6; ++i) {
    auto r = call(second_->port(), "POST", "/v1/debug/charge", key, charge(100, 100));
    if (r.status == 200) ++admitted;
    else EXPECT_EQ(r.status, 429) << r.body;
  }
  EXPECT_EQ(admitted, 4);
  EXPECT_EQ(ledger_spend(), 600 * kMilli);
  auto metrics = call(second_->port(), "GET", "/metrics", "");
  EXPECT_NE(metrics.body.find("sovra_budget_fallback_total 6"), std::string::npos);  // every attempt above

  ASSERT_TRUE(redis.start());  // empty: no persistence
  ASSERT_TRUE(eventually([&] {
    auto r = call(first_->port(), "POST", "/v1/debug/charge", key, charge(100, 100));
    return r.status == 200;
  }));
  // The open replica reaches Redis again too (a call of no cost that it did not decide locally), before the count.
  const auto fallbacks = [&] {
    const auto body = call(second_->port(), "GET", "/metrics", "").body;
    const std::string series = "\nsovra_budget_fallback_total ";
    const auto at = body.find(series);
    return at == std::string::npos ? -1L : std::atol(body.c_str() + at + series.size());
  };
  ASSERT_TRUE(eventually([&] {
    const long before = fallbacks();
    const auto r = call(second_->port(), "POST", "/v1/debug/charge", key, charge(0, 0));
    return r.status == 200 && fallbacks() == before;
  }));
  // 0.7 spent now; 0.3 left: three more calls across both replicas, then refusals.
  int more = 0;
  for (int i = 0; i < 6; ++i) {
    auto r = call(i % 2 == 0 ? second_->port() : first_->port(), "POST", "/v1/debug/charge", key, charge(100, 100));
    if (r.status == 200) ++more;
    else EXPECT_EQ(r.status, 429) << r.body;
  }
  EXPECT_EQ(more, 3);
  EXPECT_EQ(ledger_spend(), 1000 * kMilli);
}

}  // namespace
}  // namespace sovra::test
