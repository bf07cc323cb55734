#include "api/anthropic/message_builder.hpp"

#include <gtest/gtest.h>

#include "common/json.hpp"

namespace sovra::api::anthropic {
namespace {

ChatDelta text(std::string s) {
  ChatDelta d;
  d.content = std::move(s);
  return d;
}

TEST(AnthropicMessageBuilder, StreamAndMessageAgreeBlockForBlock) {
  MessageBuilder streamed({.id = "msg_1", .model = "m"}, true);
  MessageBuilder collected({.id = "msg_1", .model = "m"}, true);
  ChatDelta think;
  think.reasoning_content = "plan";
  ChatDelta call;
  call.tool_calls.push_back({.index = 0, .id = "call_1", .name = "f", .arguments = R"({"a":)"});
  ChatDelta call_more;
  call_more.tool_calls.push_back({.index = 0, .arguments = "1}"});
  ChatDelta end;
  end.finish_reason = FinishReason::kToolCalls;
  std::string frames;
  for (const ChatDelta& d : {think, text("Hi"), text(" there"), call, call_more, end}) {
    streamed.add(d, &frames);
    collected.add(d, nullptr);
  }
  const Usage usage{.prompt_tokens = 3, .completion_tokens = 4};
  streamed.finish(usage, &frames);
  collected.finish(usage, nullptr);
  ASSERT_EQ(streamed.blocks().size(), 3u);
  EXPECT_EQ(collected.message_json(usage), streamed.message_json(usage));
  auto v = parse_json(collected.message_json(usage));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->at("content").at(2).at("input").at("a").as_int64(), 1);
  EXPECT_EQ(v->at("stop_reason").as_string(), "tool_use");
  // One block open at a time: every start has its stop before the next start.
  int open = 0;
  for (std::size_t p = 0; (p = frames.find("event: content_block_", p)) != std::string::npos; ++p) {
    if (frames.compare(p, 26, "event: content_block_start") == 0) {
      EXPECT_EQ(open++, 0);
    } else if (frames.compare(p, 25, "event: content_block_stop") == 0) {
      EXPECT_EQ(--open, 0);
    }
  }
  EXPECT_EQ(open, 0);
}

TEST(AnthropicMessageBuilder, BrokenToolArgumentsBecomeAnEmptyObject) {
  MessageBuilder b({.id = "msg_1", .model = "m"}, true);
  ChatDelta call;
  call.tool_calls.push_back({.index = 0, .id = "", .name = "f", .arguments = "{not json"});
  b.add(call, nullptr);
  b.finish({}, nullptr);
  auto v = parse_json(b.message_json({}));
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->at("content").at(0).at("input").as_object().empty());
  EXPECT_TRUE(std::string_view(v->at("content").at(0).at("id").as_string()).starts_with("toolu_"));
}

TEST(AnthropicMessageBuilder, InvalidUtf8StaysValidJson) {
  MessageBuilder b({.id = "msg_1", .model = "m"}, true);
  std::string frames;
  b.add(text("caf\xc3"), &frames);
  b.finish({}, &frames);
  EXPECT_TRUE(parse_json(b.message_json({})));
  const auto data = frames.find("data: {\"type\":\"content_block_delta\"");
  ASSERT_NE(data, std::string::npos);
  EXPECT_TRUE(parse_json(frames.substr(data + 6, frames.find('\n', data) - data - 6)));
}

}  // namespace
}  // namespace sovra::api::anthropic
