#include "http/deferred.hpp"

#include <gtest/gtest.h>

#include <atomic>
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

}  // namespace
}  // namespace sovra::http
