#include "http/sse.hpp"

#include <gtest/gtest.h>

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
