#include "api/anthropic/sse_writer.hpp"

#include <gtest/gtest.h>

namespace sovra::api::anthropic {
namespace {

// Everything the consumer can read now; `ended` when the stream is over.
std::string read(http::SseChannel& channel, bool* ended) {
  std::string out;
  while (true) {
    const auto poll = channel.poll(out, [] {});
    if (poll == http::StreamSource::Poll::kData) continue;
    *ended = poll == http::StreamSource::Poll::kEnd;
    return out;
  }
}

TEST(AnthropicSseWriter, AFullChannelDelaysFramesAndLosesNone) {
  auto channel = http::SseChannel::create(1);
  auto writer = SseWriter::create(channel);
  writer->write("a\n\n");
  writer->write("b\n\n");  // the channel is full: waits in the writer
  writer->write("c\n\n");
  writer->close();  // must not end the stream before b and c
  std::string got;
  bool ended = false;
  for (int i = 0; i < 10 && !ended; ++i) got += read(*channel, &ended);
  EXPECT_TRUE(ended);
  EXPECT_EQ(got, "a\n\nb\n\nc\n\n");
}

TEST(AnthropicSseWriter, AGoneClientDropsWhatWaits) {
  auto channel = http::SseChannel::create(1);
  auto writer = SseWriter::create(channel);
  writer->write("a\n\n");
  writer->write("b\n\n");
  channel->cancel();
  writer->write("c\n\n");  // no crash, no growth: the frames go nowhere
  writer->close();
  EXPECT_TRUE(channel->cancelled());
}

}  // namespace
}  // namespace sovra::api::anthropic
