#include "kernels/thread_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace sovra::kernels {
namespace {

void expect_each_index_once(ThreadPool& pool, int runs) {
  const int n = pool.size();
  std::vector<int> counts(static_cast<std::size_t>(n), 0);
  for (int r = 0; r < runs; ++r) {
    std::vector<int> seen(static_cast<std::size_t>(n), 0);  // plain ints: run() must publish the writes
    pool.run([&](int i, int total) {
      ASSERT_EQ(total, n);
      seen[static_cast<std::size_t>(i)] += 1;
    });
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(seen[static_cast<std::size_t>(i)], 1) << "run " << r << " index " << i;
      counts[static_cast<std::size_t>(i)] += 1;
    }
  }
  for (int c : counts) EXPECT_EQ(c, runs);
}

TEST(KernelThreadPool, RunsEveryIndexOncePerRun) {
  ThreadPool pool(4);
  ASSERT_EQ(pool.size(), 4);
  expect_each_index_once(pool, 300);  // 4 threads on fewer cores: also the oversubscribed case
}

TEST(KernelThreadPool, WorkersThatSleepAreWoken) {
  ThreadPool pool(ThreadPool::Options{.threads = 3, .spin = std::chrono::microseconds(0)});
  expect_each_index_once(pool, 500);
}

TEST(KernelThreadPool, CallerRunsIndexZero) {
  ThreadPool pool(3);
  const auto caller = std::this_thread::get_id();
  for (int r = 0; r < 100; ++r) {
    std::atomic<bool> zero_on_caller{false};
    pool.run([&](int i, int) {
      if (i == 0) zero_on_caller = std::this_thread::get_id() == caller;
    });
    ASSERT_TRUE(zero_on_caller);
  }
}

// Workers that are awake take part: with enough work per index, some index runs off the calling thread.
TEST(KernelThreadPool, WorkersShareTheWork) {
  ThreadPool pool(2);
  const auto caller = std::this_thread::get_id();
  std::atomic<bool> helped{false};
  for (int r = 0; r < 1000 && !helped; ++r) {
    std::atomic<int> started{0};
    pool.run([&](int, int n) {
      started.fetch_add(1);
      // Give the other thread up to 50 ms to claim an index before returning; no result depends on it.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
      while (started.load() < n && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
      if (std::this_thread::get_id() != caller) helped = true;
    });
  }
  EXPECT_TRUE(helped);
}

TEST(KernelThreadPool, SingleThreadRunsInline) {
  ThreadPool pool(0);
  EXPECT_EQ(pool.size(), 1);
  const auto caller = std::this_thread::get_id();
  bool ran = false;
  pool.run([&](int i, int n) {
    EXPECT_EQ(i, 0);
    EXPECT_EQ(n, 1);
    EXPECT_EQ(std::this_thread::get_id(), caller);
    ran = true;
  });
  EXPECT_TRUE(ran);
}

TEST(KernelThreadPool, SumsWithDynamicChunks) {
  ThreadPool pool(3);
  constexpr std::int64_t kItems = 100000;
  for (int r = 0; r < 50; ++r) {
    std::atomic<std::int64_t> next{0};
    std::atomic<std::int64_t> total{0};
    pool.run([&](int, int) {
      std::int64_t local = 0;
      for (std::int64_t i; (i = next.fetch_add(64)) < kItems;) {
        for (std::int64_t j = i; j < std::min(i + 64, kItems); ++j) local += j;
      }
      total += local;
    });
    ASSERT_EQ(total.load(), kItems * (kItems - 1) / 2);
  }
}

}  // namespace
}  // namespace sovra::kernels
