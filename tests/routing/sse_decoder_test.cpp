#include "routing/sse_decoder.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sovra::routing {
namespace {

std::vector<std::string> decode(const std::vector<std::string_view>& pieces, SseDecoder& d) {
  std::vector<std::string> out;
  for (auto p : pieces) {
    EXPECT_TRUE(d.feed(p, [&](SseMessage&& m) { out.push_back(m.event + "|" + m.data); }).has_value());
  }
  return out;
}

TEST(SseDecoder, SameEventsWhereverTheBytesAreSplit) {
  const std::string stream = ": keep-alive\r\ndata: {\"a\":1}\r\n\r\nevent: x\ndata: line1\ndata:line2\n\nid: 7\rdata: z\r\r";
  const std::vector<std::string> expected = {"|{\"a\":1}", "x|line1\nline2", "|z"};
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    SseDecoder d;
    EXPECT_EQ(decode({std::string_view(stream).substr(0, i), std::string_view(stream).substr(i)}, d), expected) << i;
    EXPECT_FALSE(d.has_partial());
  }
  SseDecoder bytewise;
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < stream.size(); ++i) bytes.push_back(std::string_view(stream).substr(i, 1));
  EXPECT_EQ(decode(bytes, bytewise), expected);
}

TEST(SseDecoder, PartialEventAndOversizedEvent) {
  SseDecoder d;
  EXPECT_TRUE(decode({"data: unfinished"}, d).empty());
  EXPECT_TRUE(d.has_partial());
  SseDecoder small(16);
  auto st = small.feed("data: 0123456789abcdefghij", [](SseMessage&&) {});
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message.find("larger than 16 bytes"), std::string::npos);
}

}  // namespace
}  // namespace sovra::routing
