#include "gateway/rate_limit/memory_counters.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace sovra::gateway::rate_limit {
namespace {

struct FakeClock {
  std::atomic<std::int64_t> now{1'700'000'000'000};
  ClockMs fn() {
    return [this] { return now.load(); };
  }
};

CounterSpec rate(std::string key, std::int64_t limit, std::int64_t cost, std::int64_t window = kMinuteMs) {
  return {std::move(key), CounterKind::kRate, limit, window, cost};
}
CounterSpec conc(std::string key, std::int64_t limit) { return {std::move(key), CounterKind::kConcurrency, limit, 0, 1}; }

TEST(MemoryCounters, ExactlyTheLimitIsAdmittedUnderConcurrency) {
  // The test: 600 requests/min, 4 concurrent clients (here 8 threads × 500 attempts) → exactly 600.
  FakeClock clock;
  MemoryCounters counters(clock.fn());
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (counters.acquire_now({rate("p:proj:*:rpm", 600, 1)}, "l").admitted) ++admitted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 600);
}

TEST(MemoryCounters, AllCountersOrNoneAreCharged) {
  FakeClock clock;
  MemoryCounters counters(clock.fn());
  // The key allows 10 per minute, the project only 3: the key is not charged for refused calls.
  const std::vector<CounterSpec> specs = {rate("k:key:*:rpm", 10, 1), rate("p:proj:*:rpm", 3, 1)};
  int admitted = 0;
  for (int i = 0; i < 10; ++i) admitted += counters.acquire_now(specs, "l").admitted ? 1 : 0;
  EXPECT_EQ(admitted, 3);
  auto r = counters.acquire_now({rate("k:key:*:rpm", 10, 1)}, "l");
  ASSERT_TRUE(r.admitted);
  EXPECT_EQ(r.states[0].remaining, 6);  // 3 from the joint calls + this one
}

TEST(MemoryCounters, TokenReservationsSettleToActualUsageAcrossThreads) {
  // Concurrent calls each reserve 1000 tokens and use 100: after settlement the TPM counter holds exactly the
  // used tokens, and no moment admitted more than the limit in reservations.
  FakeClock clock;
  MemoryCounters counters(clock.fn());
  const std::int64_t limit = 10'000;
  std::atomic<std::int64_t> in_flight{0};
  std::atomic<std::int64_t> peak{0};
  std::atomic<int> admitted{0};
  std::atomic<int> held{0};  // reservations not yet settled
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      // A thread stops at a refusal while no reservation is outstanding: with the clock stopped, that refusal is
      // final (a fixed number of attempts could run out while another thread, descheduled, held a reservation).
      for (;;) {
        auto a = counters.acquire_now({rate("p:proj:*:tpm", limit, 1000)}, "l");
        if (!a.admitted) {
          if (held.load() == 0) break;
          std::this_thread::yield();
          continue;
        }
        ++held;
        ++admitted;
        const auto now = in_flight.fetch_add(1000) + 1000;
        auto p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
        in_flight.fetch_sub(1000);
        counters.settle_now({rate("p:proj:*:tpm", limit, 100 - 1000)}, "l");
        --held;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(peak.load(), limit);
  // Every admitted call left 100 tokens; a call needs 1000 free: admitted at 0, 100, …, 9000 used → 91 calls.
  EXPECT_EQ(admitted.load(), 91);
  auto r = counters.acquire_now({rate("p:proj:*:tpm", limit, 1000)}, "l");
  EXPECT_FALSE(r.admitted);
  EXPECT_EQ(r.states[0].remaining, 900);
}

TEST(MemoryCounters, ConcurrencyLeasesAreReleasedByName) {
  FakeClock clock;
  MemoryCounters counters(clock.fn());
  EXPECT_TRUE(counters.acquire_now({conc("k:key:*:conc", 2)}, "a").admitted);
  EXPECT_TRUE(counters.acquire_now({conc("k:key:*:conc", 2)}, "b").admitted);
  auto refused = counters.acquire_now({conc("k:key:*:conc", 2)}, "c");
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.states[0].remaining, 0);
  counters.settle_now({conc("k:key:*:conc", 2)}, "a");
  counters.settle_now({conc("k:key:*:conc", 2)}, "a");  // twice: still one lease released
  EXPECT_TRUE(counters.acquire_now({conc("k:key:*:conc", 2)}, "c").admitted);
  EXPECT_FALSE(counters.acquire_now({conc("k:key:*:conc", 2)}, "d").admitted);
}

TEST(MemoryCounters, TimeRefillsAndRetryAfterIsWhenTheCostFits) {
  FakeClock clock;
  MemoryCounters counters(clock.fn());
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(counters.acquire_now({rate("r", 60, 1)}, "l").admitted);
  auto refused = counters.acquire_now({rate("r", 60, 1)}, "l");
  ASSERT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_after_ms, 1000);
  EXPECT_EQ(refused.states[0].reset_ms, 60'000);
  clock.now += 999;
  EXPECT_FALSE(counters.acquire_now({rate("r", 60, 1)}, "l").admitted);
  clock.now += 1;
  EXPECT_TRUE(counters.acquire_now({rate("r", 60, 1)}, "l").admitted);
}

TEST(MemoryCounters, DayWindowsCountPerDay) {
  FakeClock clock;
  MemoryCounters counters(clock.fn());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(counters.acquire_now({rate("d", 5, 1, kDayMs)}, "l").admitted);
  auto refused = counters.acquire_now({rate("d", 5, 1, kDayMs)}, "l");
  ASSERT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_after_ms, kDayMs / 5);
}

TEST(MemoryCounters, IdleEntriesAreDropped) {
  FakeClock clock;
  MemoryCounters counters(clock.fn());
  for (int i = 0; i < 200'000; ++i) {
    ASSERT_TRUE(counters.acquire_now({rate("k" + std::to_string(i), 1000, 1)}, "l").admitted);
    clock.now += 1;  // each bucket drains within 60 ms
  }
  EXPECT_LT(counters.entries(), 200'000u / 4);
}

}  // namespace
}  // namespace sovra::gateway::rate_limit
