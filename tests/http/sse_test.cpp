#include "http/sse.hpp"

#include <gtest/gtest.h>

#include "common/deferred_wake.hpp"

namespace sovra::http {
namespace {

TEST(SseFormat, SplitsLinesAndAddsFields) {
  EXPECT_EQ(format_sse({.data = "x"}), "data: x\n\n");
  EXPECT_EQ(format_sse({.data = "a\nb", .event = "message_start", .id = "7"}),
            "event: message_start\nid: 7\ndata: a\ndata: b\n\n");
}

TEST(SseChannel, BackPressureAndWritableCallback) {
  auto ch = SseChannel::create(2);
  EXPECT_EQ(ch->send({.data = "1"}), SseChannel::SendResult::kOk);
  EXPECT_EQ(ch->send({.data = "2"}), SseChannel::SendResult::kOk);
  EXPECT_EQ(ch->send({.data = "3"}), SseChannel::SendResult::kFull);
  int writable = 0;
  ch->on_writable([&] { ++writable; });
  EXPECT_EQ(writable, 0);
  std::string out;
  EXPECT_EQ(ch->poll(out, [] {}), StreamSource::Poll::kData);
  EXPECT_EQ(out, "data: 1\n\ndata: 2\n\n");
  EXPECT_EQ(writable, 1);
  EXPECT_EQ(ch->send({.data = "3"}), SseChannel::SendResult::kOk);
}

TEST(SseChannel, PendingPollIsWokenBySendAndClose) {
  auto ch = SseChannel::create(4);
  int wakes = 0;
  std::string out;
  EXPECT_EQ(ch->poll(out, [&] { ++wakes; }), StreamSource::Poll::kPending);
  ch->send({.data = "x"});
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(ch->poll(out, [&] { ++wakes; }), StreamSource::Poll::kData);
  out.clear();
  EXPECT_EQ(ch->poll(out, [&] { ++wakes; }), StreamSource::Poll::kPending);
  ch->close();
  EXPECT_EQ(wakes, 2);
  EXPECT_EQ(ch->poll(out, [] {}), StreamSource::Poll::kEnd);
  EXPECT_EQ(ch->send({.data = "late"}), SseChannel::SendResult::kClosed);
}

// Inside a DeferWakes scope the consumers are woken once, when the outermost scope ends, and then find everything
// sent (and the end) in one poll; outside one, each send wakes at once as before.
TEST(SseChannel, WakesEachConsumerOnceWhenTheOutermostDeferWakesScopeEnds) {
  auto a = SseChannel::create(8);
  auto b = SseChannel::create(8);
  int wakes_a = 0;
  int wakes_b = 0;
  std::string out;
  EXPECT_EQ(a->poll(out, [&] { ++wakes_a; }), StreamSource::Poll::kPending);
  EXPECT_EQ(b->poll(out, [&] { ++wakes_b; }), StreamSource::Poll::kPending);
  {
    const DeferWakes outer;
    a->send({.data = "1"});
    {
      const DeferWakes inner;
      a->send({.data = "2"});
      b->send({.data = "x"});
    }
    EXPECT_EQ(wakes_a + wakes_b, 0);  // the inner scope wakes nobody
    a->send({.data = "3"});
    a->close();
    EXPECT_EQ(wakes_a + wakes_b, 0);
  }
  EXPECT_EQ(wakes_a, 1);
  EXPECT_EQ(wakes_b, 1);
  EXPECT_EQ(a->poll(out, [] {}), StreamSource::Poll::kData);
  EXPECT_EQ(out, "data: 1\n\ndata: 2\n\ndata: 3\n\n");
  EXPECT_EQ(a->poll(out, [] {}), StreamSource::Poll::kEnd);
  out.clear();
  EXPECT_EQ(b->poll(out, [&] { ++wakes_b; }), StreamSource::Poll::kData);
  EXPECT_EQ(out, "data: x\n\n");
  out.clear();
  EXPECT_EQ(b->poll(out, [&] { ++wakes_b; }), StreamSource::Poll::kPending);
  b->send({.data = "y"});  // no scope any more: at once
  EXPECT_EQ(wakes_b, 2);
}

TEST(SseChannel, CancelReachesTheProducer) {
  auto ch = SseChannel::create(1);
  int cancelled = 0;
  ch->on_cancel([&] { ++cancelled; });
  ch->send({.data = "x"});
  ch->cancel();
  EXPECT_EQ(cancelled, 1);
  EXPECT_TRUE(ch->cancelled());
  EXPECT_EQ(ch->send({.data = "y"}), SseChannel::SendResult::kClosed);
  int late = 0;
  ch->on_cancel([&] { ++late; });  // registered after the fact: runs at once
  EXPECT_EQ(late, 1);
}

}  // namespace
}  // namespace sovra::http
