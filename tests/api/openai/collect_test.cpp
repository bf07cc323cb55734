// ChatCollector and TextCollector: assembling a call's deltas into the final choices.
#include <gtest/gtest.h>

#include "api/openai/chat_collect.hpp"
#include "api/openai/text_collect.hpp"

namespace sovra::api::openai {
namespace {

TEST(ChatCollector, EveryChoiceAppearsAndToolCallsAssembleByIndex) {
  ChatCollector c(3, /*logprobs=*/false);
  c.add({.index = 2, .tool_calls = {{.index = 1, .id = "b", .name = "second", .arguments = "{"}}});
  c.add({.index = 2, .tool_calls = {{.index = 0, .id = "a", .name = "first", .arguments = "{}"}}});
  c.add({.index = 2, .tool_calls = {{.index = 1, .arguments = "}"}}, .finish_reason = FinishReason::kToolCalls});
  c.add({.index = 0, .content = "x", .logprobs = std::vector<TokenLogprob>{{.token = "x"}}});
  const auto done = c.take({.id = "chatcmpl-1"}, {.prompt_tokens = 1});
  ASSERT_EQ(done.choices.size(), 3u);
  EXPECT_EQ(done.choices[0].content, "x");
  EXPECT_FALSE(done.choices[0].logprobs) << "logprobs were not asked for";
  EXPECT_EQ(done.choices[1].content, "") << "a choice without deltas is empty text, never null";
  EXPECT_FALSE(done.choices[2].content) << "a choice with only tool calls has null content";
  ASSERT_EQ(done.choices[2].tool_calls.size(), 2u);
  EXPECT_EQ(done.choices[2].tool_calls[0].name, "first");
  EXPECT_EQ(done.choices[2].tool_calls[1].id, "b");
  EXPECT_EQ(done.choices[2].tool_calls[1].arguments, "{}");
  EXPECT_EQ(done.choices[2].finish_reason, FinishReason::kToolCalls);
  EXPECT_EQ(done.header.id, "chatcmpl-1");
}

TEST(ChatCollector, LogprobsAccumulateWhenAsked) {
  ChatCollector c(1, /*logprobs=*/true);
  c.add({.index = 0, .content = "a", .logprobs = std::vector<TokenLogprob>{{.token = "a", .logprob = -1}}});
  c.add({.index = 0, .content = "b", .logprobs = std::vector<TokenLogprob>{{.token = "b", .logprob = -2}}});
  const auto done = c.take({}, {});
  ASSERT_TRUE(done.choices[0].logprobs);
  ASSERT_EQ(done.choices[0].logprobs->size(), 2u);
  EXPECT_EQ((*done.choices[0].logprobs)[1].token, "b");
}

TEST(TextCollector, EchoGoesInFrontOfTheFirstDeltaAndShiftsOffsets) {
  TextCollector c({"Hi", "Hi"}, /*logprobs=*/true);
  TextDelta first{.index = 0, .text = " a", .logprobs = std::vector<TokenLogprob>{{.token = " a"}}};
  EXPECT_EQ(c.add(first), 2u);
  EXPECT_EQ(first.text, "Hi a");
  TextDelta second{.index = 0, .text = "bc", .logprobs = std::vector<TokenLogprob>{{.token = "bc"}}};
  EXPECT_EQ(c.add(second), 4u);
  EXPECT_EQ(second.text, "bc");
  // Choice 1 never produced anything: streaming still sends its echo, at the end.
  const auto echoes = c.untouched_echoes();
  ASSERT_EQ(echoes.size(), 1u);
  EXPECT_EQ(echoes[0].index, 1);
  EXPECT_EQ(echoes[0].text, "Hi");
  const auto done = c.take({}, {});
  EXPECT_EQ(done.choices[0].text, "Hi abc");
  EXPECT_EQ(done.choices[0].logprobs_text_offset, 2u);
  EXPECT_EQ(done.choices[0].logprobs->size(), 2u);
  EXPECT_EQ(done.choices[1].text, "Hi");
}

TEST(TextCollector, WithoutEchoOffsetsStartAtZero) {
  TextCollector c({"", ""}, /*logprobs=*/false);
  TextDelta d{.index = 1, .text = "xy"};
  EXPECT_EQ(c.add(d), 0u);
  TextDelta e{.index = 1, .text = "z"};
  EXPECT_EQ(c.add(e), 2u);
  EXPECT_TRUE(c.untouched_echoes().empty());
  const auto done = c.take({}, {});
  EXPECT_EQ(done.choices[0].text, "");
  EXPECT_EQ(done.choices[1].text, "xyz");
  EXPECT_FALSE(done.choices[1].logprobs);
}

}  // namespace
}  // namespace sovra::api::openai
