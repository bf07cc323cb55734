#include "api/openai/text_encode.hpp"

#include <gtest/gtest.h>

#include "api/openai/sse_checks.hpp"
#include "common/json.hpp"

namespace sovra::api::openai {
namespace {

using testing::expect_valid;

const CompletionHeader kHeader{.id = "cmpl-abc", .created = 1700000000, .model = "stories260K"};

TEST(TextEncode, CompletionWithLegacyLogprobs) {
  TextCompletion c{.header = kHeader};
  c.choices.push_back({.index = 0,
                       .text = "Hi there",
                       .finish_reason = FinishReason::kLength,
                       .logprobs =
                           std::vector<TokenLogprob>{
                               {.token = " there", .logprob = -0.5f, .top = {{" there", -0.5f}, {" you", -1.0f}}}},
                       .logprobs_text_offset = 2});
  c.choices.push_back({.index = 1, .text = "\xff", .finish_reason = FinishReason::kStop});
  c.usage = {.prompt_tokens = 2, .completion_tokens = 1};
  const auto v = expect_valid(encode_text_completion(c), "CreateCompletionResponse");
  ASSERT_TRUE(v.is_object());
  const auto& lp = v.at("choices").as_array()[0].at("logprobs");
  EXPECT_EQ(lp.at("tokens"), (boost::json::array{" there"}));
  EXPECT_EQ(lp.at("text_offset"), (boost::json::array{2}));
  EXPECT_EQ(lp.at("top_logprobs").as_array()[0].as_object().size(), 2u);
  EXPECT_TRUE(v.at("choices").as_array()[1].at("logprobs").is_null());
  EXPECT_EQ(v.at("choices").as_array()[1].at("text"), "\xEF\xBF\xBD");
  EXPECT_EQ(v.at("usage").at("total_tokens"), 3);
}

TEST(TextEncode, DuplicateTopTokenTextsKeepTheFirst) {
  std::string out;
  append_legacy_logprobs(out,
                         {{.token = "\xe2", .logprob = -0.1f, .top = {{"\xe2", -0.1f}, {"\xe2", -0.2f}}},
                          {.token = "ab", .logprob = -0.3f, .top = {}}},
                         7);
  auto v = parse_json(out);
  ASSERT_TRUE(v) << out;
  EXPECT_EQ(v->at("top_logprobs").as_array()[0].as_object().size(), 1u);
  EXPECT_EQ(v->at("text_offset"), (boost::json::array{7, 8}));
}

TEST(TextEncode, ChunksAndTheUsageChunk) {
  const std::string chunk = encode_text_chunk(kHeader, {.index = 1, .text = "a"}, 0, /*with_usage_null=*/true);
  auto v = parse_json(chunk);
  ASSERT_TRUE(v) << chunk;
  EXPECT_TRUE(v->at("choices").as_array()[0].at("finish_reason").is_null());
  EXPECT_TRUE(v->at("usage").is_null());
  const std::string last = encode_text_chunk(kHeader, {.index = 1, .finish_reason = FinishReason::kStop}, 1, false);
  const auto lv = expect_valid(last, "CreateCompletionResponse");
  EXPECT_FALSE(lv.as_object().contains("usage"));
  const auto u = expect_valid(encode_text_usage_chunk(kHeader, {.prompt_tokens = 1, .completion_tokens = 2}),
                              "CreateCompletionResponse");
  EXPECT_TRUE(u.at("choices").as_array().empty());
  EXPECT_EQ(u.at("usage").at("completion_tokens"), 2);
}

}  // namespace
}  // namespace sovra::api::openai
