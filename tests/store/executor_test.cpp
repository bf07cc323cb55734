#include "store/executor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>

namespace sovra::store {
namespace {

TEST(Executor, RunsEverythingQueuedBeforeItsDestructorReturns) {
  std::atomic<int> ran{0};
  {
    Executor ex(2);
    for (int i = 0; i < 200; ++i) ex.post([&ran] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 200);
}

// A task that drops the last reference to the executor (in the gateway: the last reference to a budget tracker
// that held the executor) destroys it on one of its own threads. That thread cannot join itself: it used to end the
// process (std::terminate); now it is left to finish the queue and end on its own.
TEST(Executor, CanBeDestroyedFromOneOfItsOwnThreads) {
  auto ex = std::make_shared<Executor>(2);
  Executor* raw = ex.get();
  std::promise<void> destroyed;
  raw->post([keep = std::move(ex), &destroyed]() mutable {
    keep.reset();  // ~Executor, here, on the executor's own thread
    destroyed.set_value();
  });
  auto f = destroyed.get_future();
  // Before the fix the process ended inside keep.reset(), so this never became ready.
  EXPECT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

}  // namespace
}  // namespace sovra::store
