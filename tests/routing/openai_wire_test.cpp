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

// Both ways of decoding a chunk must agree wherever the simple one answers; it must answer for the common shapes.
void expect_simple_matches_tree(std::string_view chunk) {
  auto simple = decode_simple_chat_chunk(chunk);
  ASSERT_TRUE(simple.has_value()) << chunk;
  std::set<std::int32_t> seen;
  auto tree = decode_chat_chunk_tree(chunk, seen);
  ASSERT_TRUE(tree.has_value()) << chunk << ": " << tree.error().message;
  for (auto& d : tree->deltas) d.role = false;  // the simple way leaves role to decode_chat_chunk
  EXPECT_TRUE(same_chat_chunk(*simple, *tree)) << chunk;
}

TEST(OpenAiWire, CommonChunksDecodeWithoutATreeAndAgreeWithIt) {
  for (
      std::string_view chunk : {
          R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","system_fingerprint":null,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]})",
          R"({"id":"x","choices":[{"index":0,"delta":{"content":"word1 "},"finish_reason":null}]})",
          R"( { "choices" : [ { "delta" : { "content" : "tab\there \"quoted\" \\ \/ \b\f\n\r" } , "index" : 2 } ] } )",
          R"({"choices":[{"index":0,"delta":{"content":"caf\u00e9 \u20ac \ud83d\ude00 ä€😀"}}]})",
          R"({"choices":[{"index":0,"delta":{"reasoning_content":"think","content":null}}]})",
          R"({"choices":[{"index":0,"delta":{"reasoning":"vllm calls it this"}}]})",
          R"({"choices":[{"index":0,"delta":{"reasoning":"second","reasoning_content":"first"}}]})",
          R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null})",
          R"({"choices":[{"index":0,"delta":{"tool_calls":[]},"finish_reason":"tool_calls"},{"index":1,"delta":{"content":"b"},"finish_reason":"length"}]})",
          R"({"choices":[{"index":1024,"delta":{"content":7},"finish_reason":"content_filter"},{"finish_reason":"whatever"}]})",
          R"({"choices":[1,"two",null,{"index":0}],"extra":{"deep":[[[{"a":-1.5,"b":true,"c":false}]]]},"n":-0.25})",
          R"({"choices":null})",
          R"({"ch\u006fices":[{"delta":{"con\u0074ent":"escaped keys"}}]})",
          R"({"choices":[]})",
          R"({})",
      }) {
    expect_simple_matches_tree(chunk);
  }
  auto c = decode_simple_chat_chunk(R"({"choices":[{"index":0,"delta":{"content":"caf\u00e9 \ud83d\ude00"}}]})");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->deltas[0].content, "caf\xc3\xa9 \xf0\x9f\x98\x80");
  EXPECT_FALSE(c->deltas[0].role);
}

TEST(OpenAiWire, UncommonOrInvalidChunksAreLeftToTheTree) {
  for (std::string_view chunk : {
           R"({"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}})",  // usage
           R"({"error":{"message":"overloaded"}})",
           R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c"}]}}]})",
           R"({"choices":[{"index":0,"delta":{"content":"x"},"logprobs":{"content":[]}}]})",
           R"({"choices":[{"index":0,"message":{"content":"whole"}}]})",
           R"({"choices":[{"index":1.0,"delta":{"content":"x"}}]})",  // an index to convert
           R"({"choices":[{"index":1025,"delta":{}}]})",              // out of range: the tree's error
           R"({"choices":[{"index":-1,"delta":{}}]})",
           R"({"choices":[{"index":0,"index":1,"delta":{}}]})",  // a key read twice
           R"({"choices":[{"delta":{"content":"a","content":"b"}}]})",
           R"({"choices":[{"delta":{"content":"a","con\u0074ent":"b"}}]})",
           R"({"choices":[],"choices":[]})",
           R"({"choices":[{"finish_reason":5}]})",
           R"({"n":1e400,"choices":[]})",  // a number the tree refuses
           R"({"n":12345678901234567890123,"choices":[]})",
           R"({"choices":[{"delta":{"content":"\ud800"}}]})",  // a lone surrogate
           R"({"choices":[{"delta":{"content":"\udc00\ud800"}}]})",
           "{\"choices\":[{\"delta\":{\"content\":\"\xc0\xaf\"}}]}",          // overlong UTF-8
           "{\"choices\":[{\"delta\":{\"content\":\"\xed\xa0\x80\"}}]}",      // a surrogate in UTF-8
           "{\"choices\":[{\"delta\":{\"content\":\"\xf4\x90\x80\x80\"}}]}",  // past U+10FFFF
           "{\"choices\":[{\"delta\":{\"content\":\"a\x01\"}}]}",             // a raw control character
           R"({"choices":[{"delta":{"content":"\x41"}}]})",                   // not a JSON escape
           R"({"choices":[]} x)",
           R"({"choices":[],})",
           R"({"choices":[01]})",
           R"([])",
           "",
           R"({"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]})",  // deeper than it goes
       }) {
    EXPECT_FALSE(decode_simple_chat_chunk(chunk).has_value()) << chunk;
  }
  // decode_chat_chunk still answers them through the tree: usage, errors, tool calls.
  std::set<std::int32_t> seen;
  auto usage = decode_chat_chunk(R"({"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}})", seen);
  ASSERT_TRUE(usage.has_value());
  ASSERT_TRUE(usage->usage.has_value());
  EXPECT_EQ(usage->usage->completion_tokens, 2);
  EXPECT_FALSE(decode_chat_chunk(R"({"choices":[{"index":1025,"delta":{}}]})", seen).has_value());
}

TEST(OpenAiWire, EachChoicesFirstChunkCarriesTheRoleWhicheverWayItIsDecoded) {
  std::set<std::int32_t> seen;
  auto first = decode_chat_chunk(
      R"({"choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"content":"b"}}]})", seen);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->deltas[0].role);
  EXPECT_TRUE(first->deltas[1].role);
  auto second = decode_chat_chunk(
      R"({"choices":[{"index":0,"delta":{"content":"c"}},{"index":2,"delta":{"content":"d"}}]})", seen);
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(second->deltas[0].role);
  EXPECT_TRUE(second->deltas[1].role);
  auto tree_way = decode_chat_chunk(
      R"({"choices":[{"index":1,"delta":{"tool_calls":[{"index":0,"id":"t"}]}},{"index":3,"delta":{"tool_calls":[{"index":0}]}}]})",
      seen);
  ASSERT_TRUE(tree_way.has_value());
  EXPECT_FALSE(tree_way->deltas[0].role);
  EXPECT_TRUE(tree_way->deltas[1].role);
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
