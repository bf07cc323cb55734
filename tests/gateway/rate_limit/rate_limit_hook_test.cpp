// The rate limiter through its CallHook, as the handlers will use it via gateway::CallChain.
#include "gateway/rate_limit/rate_limit_hook.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>

#include "gateway/rate_limit/memory_counters.hpp"

namespace sovra::gateway::rate_limit {
namespace {

struct FakeClock {
  std::atomic<std::int64_t> now{1'700'000'000'000};
  ClockMs fn() {
    return [this] { return now.load(); };
  }
};

// Counters that always fail, like Redis when it is down.
class DownCounters final : public CounterStore {
 public:
  const char* name() const override { return "redis"; }
  void acquire(const std::vector<CounterSpec>&, const std::string&, AcquireDone done) override {
    ++calls;
    done(Error::unavailable("Redis is unreachable (connection refused)"));
  }
  void settle(const std::vector<CounterSpec>&, const std::string&, SettleDone done) override {
    done(Error::unavailable("down"));
  }
  std::atomic<int> calls{0};
};

std::shared_ptr<const platform::Principal> principal(std::string key = "key1", std::string project = "proj1") {
  auto p = std::make_shared<platform::Principal>();
  p->key_id = std::move(key);
  p->org_id = "org1";
  p->project_id = std::move(project);
  return p;
}

store::RateLimitRecord rule(std::string project, std::string key, std::string model, LimitValues v) {
  store::RateLimitRecord r;
  r.id = "rl-" + model;
  r.org_id = "org1";
  r.project_id = std::move(project);
  r.key_id = std::move(key);
  r.model = std::move(model);
  r.requests_per_minute = v.requests_per_minute;
  r.requests_per_day = v.requests_per_day;
  r.tokens_per_minute = v.tokens_per_minute;
  r.tokens_per_day = v.tokens_per_day;
  r.concurrent_requests = v.concurrent_requests;
  return r;
}

struct Outcome {
  std::optional<Error> error;
  std::unique_ptr<CallTicket> ticket;
  std::vector<http::Header> headers;
  std::string header(std::string_view name) const {
    for (const auto& h : headers)
      if (h.name == name) return h.value;
    return "<absent>";
  }
};

Outcome admit(CallHook& hook, const CallInfo& info) {
  Outcome out;
  bool called = false;
  hook.admit(info, out.headers, [&](Result<Admission> a) {
    called = true;
    if (a) out.ticket = std::move(a->ticket);
    else out.error = a.error();
  });
  EXPECT_TRUE(called);  // memory counters decide inline
  return out;
}

CallInfo call(std::int64_t prompt = 10, std::int64_t max_out = 90, std::string model = "m1") {
  CallInfo info;
  info.request_id = "req";
  info.principal = principal();
  info.model = std::move(model);
  info.prompt_tokens = prompt;
  info.max_output_tokens = max_out;
  return info;
}

void finish(Outcome& o, std::int64_t prompt, std::int64_t completion, int status = 200) {
  ASSERT_TRUE(o.ticket);
  CallResult r;
  r.http_status = status;
  r.usage.prompt_tokens = prompt;
  r.usage.completion_tokens = completion;
  bool done = false;
  o.ticket->finish(r, [&] { done = true; });
  EXPECT_TRUE(done);
  o.ticket.reset();
}

class RateLimitHookTest : public ::testing::Test {
 protected:
  void make(LimitDefaults defaults, std::vector<store::RateLimitRecord> rules = {},
            std::shared_ptr<CounterStore> counters = nullptr, std::shared_ptr<CounterStore> fallback = nullptr,
            std::int64_t replicas = 1) {
    table_ = std::make_shared<LimitTable>(defaults);
    table_->replace(rules);
    memory_ = std::make_shared<MemoryCounters>(clock_.fn());
    hook_ = std::make_shared<RateLimitHook>(RateLimitHookOptions{
        .table = table_, .counters = counters ? counters : memory_, .fallback = fallback, .replicas = replicas});
  }

  FakeClock clock_;
  std::shared_ptr<LimitTable> table_;
  std::shared_ptr<MemoryCounters> memory_;
  std::shared_ptr<RateLimitHook> hook_;
};

TEST_F(RateLimitHookTest, NoRulesAdmitsWithoutTicketOrHeaders) {
  make({});
  auto o = admit(*hook_, call());
  EXPECT_FALSE(o.error);
  EXPECT_FALSE(o.ticket);
  EXPECT_TRUE(o.headers.empty());
}

TEST_F(RateLimitHookTest, HeadersReportTheMostRestrictiveRequestAndTokenLimits) {
  make({.project = {.requests_per_minute = 100, .tokens_per_minute = 1000},
        .key = {.requests_per_minute = 5, .tokens_per_day = 100'000}});
  auto o = admit(*hook_, call(10, 90));
  ASSERT_FALSE(o.error) << o.error->message;
  EXPECT_EQ(o.header("x-ratelimit-limit-requests"), "5");
  EXPECT_EQ(o.header("x-ratelimit-remaining-requests"), "4");
  EXPECT_EQ(o.header("x-ratelimit-reset-requests"), "12s");  // 1 of 5 per minute drains in 12 s
  EXPECT_EQ(o.header("x-ratelimit-limit-tokens"), "1000");
  EXPECT_EQ(o.header("x-ratelimit-remaining-tokens"), "900");
  EXPECT_EQ(o.header("x-ratelimit-reset-tokens"), "6s");
  finish(o, 10, 20);
}

TEST_F(RateLimitHookTest, RefusalIs429NamingTheLimitWithRetryAfter) {
  make({.project = {.requests_per_minute = 2}});
  auto a = admit(*hook_, call());
  auto b = admit(*hook_, call());
  ASSERT_TRUE(a.ticket && b.ticket);
  auto c = admit(*hook_, call());
  ASSERT_TRUE(c.error);
  EXPECT_EQ(c.error->status(), 429);
  EXPECT_EQ(c.error->api_code, "rate_limit_exceeded");
  EXPECT_NE(c.error->message.find("requests per minute (RPM)"), std::string::npos) << c.error->message;
  EXPECT_NE(c.error->message.find("project proj1"), std::string::npos) << c.error->message;
  EXPECT_NE(c.error->message.find("limit 2"), std::string::npos) << c.error->message;
  EXPECT_EQ(c.header("retry-after"), "30");
  EXPECT_EQ(c.header("retry-after-ms"), "30000");
  EXPECT_EQ(c.header("x-ratelimit-remaining-requests"), "0");
  finish(a, 1, 1);
  finish(b, 1, 1);
}

TEST_F(RateLimitHookTest, TokenReservationSettlesToActualUsage) {
  make({.key = {.tokens_per_minute = 1000}});
  auto a = admit(*hook_, call(100, 700));  // reserves 800
  ASSERT_TRUE(a.ticket);
  EXPECT_EQ(a.header("x-ratelimit-remaining-tokens"), "200");
  auto refused = admit(*hook_, call(100, 200));  // 300 > 200 left while the reservation stands
  ASSERT_TRUE(refused.error);
  EXPECT_NE(refused.error->message.find("tokens per minute (TPM)"), std::string::npos);
  finish(a, 100, 50);  // used 150 of 800
  auto b = admit(*hook_, call(100, 200));
  ASSERT_TRUE(b.ticket);
  EXPECT_EQ(b.header("x-ratelimit-remaining-tokens"), "550");  // 1000 − 150 − 300
  finish(b, 100, 400);  // used more than reserved (no max_tokens honoured): the excess is charged
  auto c = admit(*hook_, call(0, 1));
  ASSERT_TRUE(c.ticket);
  EXPECT_EQ(c.header("x-ratelimit-remaining-tokens"), "349");  // 1000 − 150 − 500 − 1
  finish(c, 0, 1);
}

TEST_F(RateLimitHookTest, CancelledAndFailedCallsSettleTooAndRefusedOnesGiveTheRequestBack) {
  make({.key = {.requests_per_minute = 10, .tokens_per_minute = 1000}});
  auto a = admit(*hook_, call(100, 900));
  ASSERT_TRUE(a.ticket);
  CallResult cancelled;
  cancelled.cancelled = true;
  cancelled.http_status = 499;
  cancelled.usage.prompt_tokens = 100;
  cancelled.usage.completion_tokens = 3;
  a.ticket->finish(cancelled, [] {});
  a.ticket.reset();
  auto b = admit(*hook_, call(0, 0));
  ASSERT_TRUE(b.ticket);
  EXPECT_EQ(b.header("x-ratelimit-remaining-tokens"), "897");
  EXPECT_EQ(b.header("x-ratelimit-remaining-requests"), "8");
  // Refused by a later hook (e.g. a budget): zero usage, 4xx → the request and its tokens come back.
  b.ticket->finish(refusal_result(Error{ErrorCode::kRateLimited, "budget", {}, 429, "insufficient_quota"}), [] {});
  b.ticket.reset();
  auto c = admit(*hook_, call(0, 0));
  EXPECT_EQ(c.header("x-ratelimit-remaining-requests"), "8");
  finish(c, 0, 0);
}

TEST_F(RateLimitHookTest, ConcurrencyIsReleasedAtFinish) {
  make({.key = {.concurrent_requests = 1}});
  auto a = admit(*hook_, call());
  ASSERT_TRUE(a.ticket);
  auto b = admit(*hook_, call());
  ASSERT_TRUE(b.error);
  EXPECT_NE(b.error->message.find("concurrent requests"), std::string::npos);
  EXPECT_EQ(b.header("retry-after"), "1");
  finish(a, 1, 1);
  auto c = admit(*hook_, call());
  EXPECT_TRUE(c.ticket);
  finish(c, 1, 1);
}

TEST_F(RateLimitHookTest, ModelRulesApplyInAdditionToAllModelRules) {
  make({}, {rule("proj1", "", "*", {.requests_per_minute = 100}), rule("proj1", "", "m1", {.requests_per_minute = 1})});
  auto a = admit(*hook_, call(1, 1, "m1"));
  ASSERT_TRUE(a.ticket);
  auto b = admit(*hook_, call(1, 1, "m1"));
  ASSERT_TRUE(b.error);
  EXPECT_NE(b.error->message.find("for model m1"), std::string::npos) << b.error->message;
  auto other = admit(*hook_, call(1, 1, "m2"));
  EXPECT_TRUE(other.ticket);
  EXPECT_EQ(other.header("x-ratelimit-remaining-requests"), "98");  // the project's all-model counter saw both
  finish(a, 1, 1);
  finish(other, 1, 1);
}

TEST_F(RateLimitHookTest, AStoredRuleReplacesTheDefaultOfItsScope) {
  make({.key = {.requests_per_minute = 1}}, {rule("proj1", "key1", "*", {.requests_per_minute = 3})});
  for (int i = 0; i < 3; ++i) {
    auto o = admit(*hook_, call());
    ASSERT_TRUE(o.ticket) << i;
    finish(o, 1, 1);
  }
  EXPECT_TRUE(admit(*hook_, call()).error);
  // Another key of the project still gets the configured default.
  auto info = call();
  info.principal = principal("key2");
  auto o = admit(*hook_, info);
  EXPECT_EQ(o.header("x-ratelimit-limit-requests"), "1");
  finish(o, 1, 1);
}

TEST_F(RateLimitHookTest, RequestLargerThanTheTokenLimitSaysSo) {
  make({.key = {.tokens_per_minute = 100}});
  auto o = admit(*hook_, call(50, 100));
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->status(), 429);
  EXPECT_NE(o.error->message.find("Request too large"), std::string::npos) << o.error->message;
  EXPECT_EQ(o.header("retry-after"), "<absent>");
}

TEST_F(RateLimitHookTest, ExactUnderConcurrentAdmissionsThroughTheHook) {
  make({.project = {.requests_per_minute = 600}});
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 300; ++i) {
        auto o = admit(*hook_, call());
        if (o.ticket) {
          ++admitted;
          finish(o, 1, 1);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 600);
}

TEST_F(RateLimitHookTest, BackendDownFailClosedRefusesWith503) {
  auto down = std::make_shared<DownCounters>();
  make({.project = {.requests_per_minute = 10}}, {}, down, nullptr);
  auto o = admit(*hook_, call());
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->status(), 503);
  EXPECT_EQ(o.header("retry-after"), "1");
}

TEST_F(RateLimitHookTest, BackendDownFailOpenUsesLocalCountersDividedByReplicas) {
  auto down = std::make_shared<DownCounters>();
  auto local = std::make_shared<MemoryCounters>(clock_.fn());
  make({.project = {.requests_per_minute = 10}}, {}, down, local, /*replicas=*/2);
  int admitted = 0;
  for (int i = 0; i < 20; ++i) {
    auto o = admit(*hook_, call());
    if (o.ticket) {
      ++admitted;
      EXPECT_EQ(o.header("x-ratelimit-limit-requests"), "5");
      finish(o, 1, 1);
    }
  }
  EXPECT_EQ(admitted, 5);
  EXPECT_EQ(down->calls.load(), 20);  // every call tries the shared counters first (they may be back)
}

TEST_F(RateLimitHookTest, AnonymousCallsAreNotLimited) {
  make({.project = {.requests_per_minute = 1}});
  auto info = call();
  info.principal = nullptr;
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(admit(*hook_, info).error);
}

}  // namespace
}  // namespace sovra::gateway::rate_limit
