// Deferred wakes: a scope keeps each wake (a closure, or a condition variable once) and runs them in order when the
// outermost scope ends; outside any scope the caller is told to wake at once.
#include "common/deferred_wake.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <thread>

namespace sovra {
namespace {

TEST(DeferWakes, OutsideAScopeTheCallerWakes) {
  std::condition_variable cv;
  EXPECT_FALSE(DeferWakes::defer(cv));
  int ran = 0;
  std::function<void()> wake = [&] { ++ran; };
  EXPECT_FALSE(DeferWakes::defer(wake));
  ASSERT_TRUE(wake) << "outside a scope the wake stays with the caller";
  EXPECT_EQ(ran, 0);
}

TEST(DeferWakes, TheOutermostScopeWakesAWaitingConsumerOnce) {
  std::mutex mu;
  std::condition_variable cv;
  std::condition_variable ready_cv;
  bool ready = false;
  int queued = 0;
  int seen = -1;
  std::thread consumer([&] {
    std::unique_lock lock(mu);
    ready = true;
    ready_cv.notify_one();
    cv.wait(lock, [&] { return queued == 2; });
    seen = queued;
  });
  {
    // Once this thread holds the lock after `ready`, the consumer is inside cv.wait: only a notification wakes it.
    std::unique_lock lock(mu);
    ready_cv.wait(lock, [&] { return ready; });
  }
  {
    DeferWakes outer;
    {
      DeferWakes inner;
      {
        std::lock_guard lock(mu);
        ++queued;
      }
      EXPECT_TRUE(DeferWakes::defer(cv));
    }
    {
      std::lock_guard lock(mu);
      ++queued;
    }
    EXPECT_TRUE(DeferWakes::defer(cv));  // the same variable again: still one notification
  }
  // Only the outer scope's end notified the waiting consumer: without it, join would hang.
  consumer.join();
  EXPECT_EQ(seen, 2);
  EXPECT_FALSE(DeferWakes::defer(cv));  // the scope is gone
}

TEST(DeferWakes, ClosuresRunInOrderWhenTheOutermostScopeEnds) {
  std::string log;
  {
    DeferWakes outer;
    std::function<void()> a = [&] { log += 'a'; };
    EXPECT_TRUE(DeferWakes::defer(a));
    EXPECT_FALSE(a) << "a deferred wake is taken";
    {
      DeferWakes inner;
      std::function<void()> b = [&] { log += 'b'; };
      EXPECT_TRUE(DeferWakes::defer(b));
      std::function<void()> none;
      EXPECT_TRUE(DeferWakes::defer(none));  // an empty wake is dropped, not run
    }
    EXPECT_EQ(log, "") << "the inner scope runs nothing";
    std::function<void()> c = [&] { log += 'c'; };
    EXPECT_TRUE(DeferWakes::defer(c));
  }
  EXPECT_EQ(log, "abc");
}

// A wake that defers another one while the scope's wakes run (a consumer woken on this thread that feeds a third)
// is outside any scope by then: it is told to run it now, and nothing is left behind for a later scope.
TEST(DeferWakes, AWakeThatDefersMoreRunsItNow) {
  std::string log;
  {
    DeferWakes scope;
    std::function<void()> first = [&] {
      log += '1';
      std::function<void()> second = [&] { log += '2'; };
      if (!DeferWakes::defer(second)) second();
      log += '3';
    };
    EXPECT_TRUE(DeferWakes::defer(first));
  }
  EXPECT_EQ(log, "123");
  { DeferWakes later; }
  EXPECT_EQ(log, "123");
}

}  // namespace
}  // namespace sovra
