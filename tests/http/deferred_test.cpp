#include "http/deferred.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

namespace sovra::http {
namespace {

TEST(ResponsePromise, CompletedBeforeTakeIsTakenAtOnce) {
  ResponsePromise p;
  p.complete(Response::json(201, "{}"));
  int wakes = 0;
  auto r = p.take([&] { ++wakes; });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(wakes, 0);
}

TEST(ResponsePromise, CompletionFromAnotherThreadWakesTheTakerOnce) {
  ResponsePromise p;
  std::atomic<int> wakes{0};
  EXPECT_FALSE(p.take([&] { ++wakes; }));
  std::thread t([&] {
    p.complete(Response::json(200, "a"));
    p.complete(Response::json(500, "ignored"));
  });
  t.join();
  EXPECT_EQ(wakes.load(), 1);
  auto r = p.take([] {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "a");
}

TEST(ResponsePromise, LaterMakesADeferredResponse) {
  auto p = std::make_shared<ResponsePromise>();
  auto r = Response::later(p);
  EXPECT_EQ(r.deferred, p);
}

TEST(ResponsePromise, ClientGoneRunsTheCallbackOnceWhetherRegisteredBeforeOrAfter) {
  ResponsePromise before;
  int runs = 0;
  before.on_client_gone([&] { ++runs; });
  EXPECT_EQ(runs, 0);
  before.client_gone();
  before.client_gone();
  EXPECT_EQ(runs, 1);

  // The client went away before the handler got to register (e.g. during admission): it runs at once.
  ResponsePromise after;
  after.client_gone();
  int late = 0;
  after.on_client_gone([&] { ++late; });
  EXPECT_EQ(late, 1);
}

TEST(ResponsePromise, ClientGoneAfterCompletionDoesNothing) {
  ResponsePromise p;
  int runs = 0;
  p.on_client_gone([&] { ++runs; });
  p.complete(Response::json(200, "{}"));
  p.client_gone();
  EXPECT_EQ(runs, 0);
  p.on_client_gone([&] { ++runs; });
  EXPECT_EQ(runs, 0);
  auto r = p.take([] {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(ResponsePromise, CompletionDropsTheCallbackAndWhatItHolds) {
  ResponsePromise p;
  auto held = std::make_shared<int>(1);
  std::weak_ptr<int> weak = held;
  p.on_client_gone([held] { (void)held; });
  held.reset();
  EXPECT_FALSE(weak.expired());
  p.complete(Response::json(200, "{}"));
  EXPECT_TRUE(weak.expired()) << "a completed promise must not keep the handler's state alive";
}

}  // namespace
}  // namespace sovra::http
