#include "routing/openai_wire.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/json.hpp"

namespace sovra::routing {
namespace {

TEST(OpenAiWire, ChatRequestCarriesToolsFormatAndOnlyNonDefaultExtensions) {
  api::ChatRequest r;
  r.model = "client";
  r.messages.push_back({.role = api::Role::kSystem, .content = "sys", .has_content = true});
  api::ChatMessage assistant{.role = api::Role::kAssistant};
  assistant.tool_calls.push_back({.id = "call_1", .name = "get", .arguments = R"({"x":1})"});
  r.messages.push_back(assistant);
  r.messages.push_back({.role = api::Role::kTool, .content = "42", .has_content = true, .tool_call_id = "call_1"});
  r.tools.push_back({.name = "get", .description = "d", .parameters_json = R"({"type":"object"})"});
  r.tool_choice = {.mode = api::ToolChoice::Mode::kFunction, .function_name = "get"};
  r.response_format = {.kind = api::ResponseFormat::Kind::kJsonObject};
  r.params.stop = {"END"};
  r.params.seed = 7;
  auto v = parse_json(encode_chat_request(r, "upstream"));
  ASSERT_TRUE(v.has_value());
  const auto& o = v->as_object();
  EXPECT_EQ(o.at("model").as_string(), "upstream");
  const auto& msgs = o.at("messages").as_array();
  EXPECT_TRUE(msgs[1].as_object().at("content").is_null());
  EXPECT_EQ(msgs[1].as_object().at("tool_calls").as_array()[0].as_object().at("function").as_object().at("arguments"),
            R"({"x":1})");
  EXPECT_EQ(msgs[2].as_object().at("tool_call_id"), "call_1");
  EXPECT_EQ(o.at("tools").as_array()[0].as_object().at("function").as_object().at("parameters").as_object().at("type"),
            "object");
  EXPECT_EQ(o.at("tool_choice").as_object().at("function").as_object().at("name"), "get");
  EXPECT_EQ(o.at("response_format").as_object().at("type"), "json_object");
  EXPECT_EQ(o.at("stop").as_array()[0], "END");
  EXPECT_EQ(o.at("seed").to_number<std::uint64_t>(), 7u);
  EXPECT_FALSE(o.contains("top_k"));  // OpenAI refuses unknown fields: extensions only when set
  EXPECT_FALSE(o.contains("repetition_penalty"));
}

TEST(OpenAiWire, DecodesToolCallDeltasReasoningAndUsage) {
  std::set<std::int32_t> seen;
  auto c = decode_chat_chunk(
      R"({"choices":[{"index":0,"delta":{"reasoning_content":"hm","tool_calls":[{"index":1,"id":"c","function":{"name":"f","arguments":"{\""}}]},"finish_reason":null}],"usage":{"prompt_tokens":4,"completion_tokens":2,"completion_tokens_details":{"reasoning_tokens":1}}})",
      seen);
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->deltas.size(), 1u);
  EXPECT_TRUE(c->deltas[0].role);
  EXPECT_EQ(c->deltas[0].reasoning_content, "hm");
  ASSERT_EQ(c->deltas[0].tool_calls.size(), 1u);
  EXPECT_EQ(c->deltas[0].tool_calls[0].index, 1);
  EXPECT_EQ(c->deltas[0].tool_calls[0].arguments, "{\"");
  ASSERT_TRUE(c->usage.has_value());
  EXPECT_EQ(c->usage->reasoning_tokens, 1);
  auto mid_stream_error = decode_chat_chunk(R"({"error":{"message":"overloaded"}})", seen);
  ASSERT_FALSE(mid_stream_error.has_value());
  EXPECT_NE(mid_stream_error.error().message.find("overloaded"), std::string::npos);
}

TEST(OpenAiWire, DecodesLegacyCompletionLogprobs) {
  auto c = decode_text_chunk(
      R"({"choices":[{"index":0,"text":" there was","logprobs":{"tokens":[" there"," was"],)"
      R"("token_logprobs":[-0.5,-1.25],"top_logprobs":[{" there":-0.5," then":-2.0},{" was":-1.25}],)"
      R"("text_offset":[16,22]},"finish_reason":null}]})");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  ASSERT_EQ(c->deltas.size(), 1u);
  ASSERT_TRUE(c->deltas[0].logprobs.has_value());
  const auto& lp = *c->deltas[0].logprobs;
  ASSERT_EQ(lp.size(), 2u);
  EXPECT_EQ(lp[0].token, " there");
  EXPECT_FLOAT_EQ(lp[1].logprob, -1.25f);
  ASSERT_EQ(lp[0].top.size(), 2u);
  EXPECT_EQ(lp[0].top[1].token, " then");
  EXPECT_FLOAT_EQ(lp[0].top[1].logprob, -2.0f);
  // No logprobs asked: none relayed.
  auto plain = decode_text_chunk(R"({"choices":[{"index":0,"text":"x","logprobs":null,"finish_reason":null}]})");
  ASSERT_TRUE(plain.has_value());
  EXPECT_FALSE(plain->deltas[0].logprobs.has_value());
}

TEST(OpenAiWire, UpstreamErrorStatuses) {
  EXPECT_EQ(upstream_error(400, R"({"error":{"message":"m","param":"p"}})").status(), 400);
  EXPECT_EQ(upstream_error(429, "").status(), 429);
  EXPECT_EQ(upstream_error(401, "{}").status(), 502);  // our upstream credentials, not the client's
  EXPECT_EQ(upstream_error(503, "<html>").status(), 502);
  EXPECT_EQ(upstream_error(404, "not json").status(), 404);
}

}  // namespace
}  // namespace sovra::routing
