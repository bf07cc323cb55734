#include "api/openai/chat_encode.hpp"

#include <gtest/gtest.h>

#include "common/json.hpp"
#include "support/openapi_schema.hpp"

namespace sovra::api::openai {
namespace {

const testing::OpenApiSchemas* spec() {
  static std::string why;
  static const auto schemas = testing::OpenApiSchemas::load(SOVRA_SHARED_DIR "/specs/openai-openapi.json", &why);
  return schemas.get();
}

// Parses `json` and checks it against the named component of the OpenAI specification.
boost::json::value expect_valid(const std::string& json, std::string_view component) {
  auto parsed = parse_json(json);
  EXPECT_TRUE(parsed) << json;
  if (!parsed) return {};
  if (spec() != nullptr) {
    const auto errors = spec()->validate(*parsed, component);
    for (const auto& e : errors) ADD_FAILURE() << component << ": " << e << "\n" << json;
  }
  return *parsed;
}

const CompletionHeader kHeader{.id = "chatcmpl-abc", .created = 1700000000, .model = "stories260K"};

TEST(ChatEncode, SpecIsPresentOrSkipped) {
  if (spec() == nullptr) GTEST_SKIP() << "../shared/specs/openai-openapi.json absent: shape checks skipped";
  // The validator itself must reject a malformed response, or the other tests prove nothing.
  auto bad = parse_json(R"({"id":"x","object":"chat.completion","created":"yesterday","model":"m","choices":[]})");
  ASSERT_TRUE(bad);
  EXPECT_FALSE(spec()->validate(*bad, "CreateChatCompletionResponse").empty());
  auto bad_reason = parse_json(
      R"({"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"finish_reason":"bored",)"
      R"("logprobs":null,"message":{"role":"assistant","content":"hi","refusal":null}}]})");
  ASSERT_TRUE(bad_reason);
  EXPECT_FALSE(spec()->validate(*bad_reason, "CreateChatCompletionResponse").empty());
}

TEST(ChatEncode, CompletionWithContentUsageAndLogprobs) {
  ChatCompletion c{.header = kHeader};
  c.choices.push_back({.index = 0,
                       .content = "Once upon a \"time\"\n",
                       .finish_reason = FinishReason::kLength,
                       .logprobs = std::vector<TokenLogprob>{
                           {.token = " upon",
                            .logprob = -0.5f,
                            .top = {{.token = " upon", .logprob = -0.5f}, {.token = " a", .logprob = -2.25f}}}}});
  c.choices.push_back({.index = 1, .content = "\xff broken", .finish_reason = FinishReason::kStop});
  c.usage = {.prompt_tokens = 12, .completion_tokens = 7, .cached_prompt_tokens = 4};
  const auto v = expect_valid(encode_chat_completion(c), "CreateChatCompletionResponse");
  ASSERT_TRUE(v.is_object());
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("object"), "chat.completion");
  EXPECT_EQ(o.at("choices").as_array()[0].at("message").at("content"), "Once upon a \"time\"\n");
  EXPECT_EQ(o.at("choices").as_array()[0].at("finish_reason"), "length");
  EXPECT_EQ(o.at("choices").as_array()[1].at("message").at("content"), "\xEF\xBF\xBD broken");
  const auto& lp = o.at("choices").as_array()[0].at("logprobs").at("content").as_array()[0];
  EXPECT_EQ(lp.at("bytes").as_array().size(), 5u);
  EXPECT_DOUBLE_EQ(lp.at("top_logprobs").as_array()[1].at("logprob").to_number<double>(), -2.25);
  EXPECT_EQ(o.at("usage").at("total_tokens"), 19);
  EXPECT_EQ(o.at("usage").at("prompt_tokens_details").at("cached_tokens"), 4);
}

TEST(ChatEncode, CompletionWithToolCallsHasNullContent) {
  ChatCompletion c{.header = kHeader};
  c.choices.push_back({.index = 0,
                       .reasoning_content = "The user wants weather.",
                       .tool_calls = {{.id = "call_1", .name = "get_weather", .arguments = R"({"city":"Umeå"})"}},
                       .finish_reason = FinishReason::kToolCalls});
  const auto v = expect_valid(encode_chat_completion(c), "CreateChatCompletionResponse");
  const auto& msg = v.at("choices").as_array()[0].at("message");
  EXPECT_TRUE(msg.at("content").is_null());
  EXPECT_EQ(msg.at("tool_calls").as_array()[0].at("function").at("arguments"), R"({"city":"Umeå"})");
  EXPECT_EQ(msg.at("reasoning_content"), "The user wants weather.");
}

TEST(ChatEncode, StreamChunks) {
  const auto first = expect_valid(encode_chat_chunk(kHeader, {.index = 0, .role = true, .content = ""}, true),
                                  "CreateChatCompletionStreamResponse");
  EXPECT_EQ(first.at("choices").as_array()[0].at("delta").at("role"), "assistant");
  EXPECT_TRUE(first.at("usage").is_null());

  const auto text = expect_valid(encode_chat_chunk(kHeader, {.index = 1, .content = "Hello"}, false),
                                 "CreateChatCompletionStreamResponse");
  EXPECT_FALSE(text.as_object().contains("usage"));
  EXPECT_TRUE(text.at("choices").as_array()[0].at("finish_reason").is_null());

  ChatDelta call{.index = 0};
  call.tool_calls.push_back({.index = 0, .id = "call_1", .name = "get_weather", .arguments = ""});
  const auto start = expect_valid(encode_chat_chunk(kHeader, call, false), "CreateChatCompletionStreamResponse");
  EXPECT_EQ(start.at("choices").as_array()[0].at("delta").at("tool_calls").as_array()[0].at("id"), "call_1");
  ChatDelta args{.index = 0};
  args.tool_calls.push_back({.index = 0, .arguments = R"({"ci)"});
  const auto more = expect_valid(encode_chat_chunk(kHeader, args, false), "CreateChatCompletionStreamResponse");
  const auto& fn = more.at("choices").as_array()[0].at("delta").at("tool_calls").as_array()[0].at("function");
  EXPECT_FALSE(fn.as_object().contains("name"));
  EXPECT_EQ(fn.at("arguments"), R"({"ci)");

  const auto last =
      expect_valid(encode_chat_chunk(kHeader, {.index = 0, .finish_reason = FinishReason::kToolCalls}, true),
                   "CreateChatCompletionStreamResponse");
  EXPECT_EQ(last.at("choices").as_array()[0].at("finish_reason"), "tool_calls");

  const auto usage = expect_valid(encode_usage_chunk(kHeader, {.prompt_tokens = 3, .completion_tokens = 2}),
                                  "CreateChatCompletionStreamResponse");
  EXPECT_TRUE(usage.at("choices").as_array().empty());
  EXPECT_EQ(usage.at("usage").at("total_tokens"), 5);
}

}  // namespace
}  // namespace sovra::api::openai
