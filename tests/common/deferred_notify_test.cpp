// Deferred notifications: a scope collects each condition variable once and notifies it when the outermost scope
// ends; outside any scope the caller is told to notify at once.
#include "common/deferred_notify.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

namespace sovra {
namespace {

TEST(DeferNotifications, OutsideAScopeTheCallerNotifies) {
  std::condition_variable cv;
  EXPECT_FALSE(DeferNotifications::defer(cv));
}

TEST(DeferNotifications, TheOutermostScopeWakesAWaitingConsumerOnce) {
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
    DeferNotifications outer;
    {
      DeferNotifications inner;
      {
        std::lock_guard lock(mu);
        ++queued;
      }
      EXPECT_TRUE(DeferNotifications::defer(cv));
    }
    {
      std::lock_guard lock(mu);
      ++queued;
    }
    EXPECT_TRUE(DeferNotifications::defer(cv));  // the same variable again: still one notification
  }
  // Only the outer scope's end notified the waiting consumer: without it, join would hang.
  consumer.join();
  EXPECT_EQ(seen, 2);
  EXPECT_FALSE(DeferNotifications::defer(cv));  // the scope is gone
}

}  // namespace
}  // namespace sovra
