#include "api/openai/chat_request.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/json.hpp"

namespace sovra::api::openai {
namespace {

Result<ChatRequest> parse(std::string_view body) {
  auto json = parse_json(body);
  EXPECT_TRUE(json) << body;
  return parse_chat_request(*json);
}

// Expects a 400 whose param and message are those given (message: a substring).
void expect_error(std::string_view body, std::string_view param, std::string_view message) {
  auto r = parse(body);
  ASSERT_FALSE(r) << body;
  EXPECT_EQ(r.error().status(), 400) << body;
  EXPECT_EQ(r.error().param, param) << r.error().message;
  EXPECT_NE(r.error().message.find(message), std::string::npos) << r.error().message;
}

constexpr std::string_view kMinimal = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";

TEST(ChatRequest, MinimalRequestHasOpenAIDefaults) {
  auto r = parse(kMinimal);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->model, "m");
  ASSERT_EQ(r->messages.size(), 1u);
  EXPECT_EQ(r->messages[0].role, Role::kUser);
  EXPECT_EQ(r->messages[0].content, "hi");
  EXPECT_FALSE(r->params.max_tokens.has_value());
  EXPECT_EQ(r->params.n, 1);
  EXPECT_FLOAT_EQ(r->params.temperature, 1.0f);
  EXPECT_FLOAT_EQ(r->params.top_p, 1.0f);
  EXPECT_FALSE(r->stream);
  EXPECT_EQ(r->tool_choice.mode, ToolChoice::Mode::kNone);
  EXPECT_EQ(r->response_format.kind, ResponseFormat::Kind::kText);
}

TEST(ChatRequest, ReadsEveryDocumentedField) {
  auto r = parse(R"({"model":"m","messages":[{"role":"developer","content":"d"},{"role":"user","content":"u"}],
    "max_tokens":5,"max_completion_tokens":7,"temperature":0.25,"top_p":0.5,"n":3,"stop":["x","y"],"seed":-1,
    "presence_penalty":0.5,"frequency_penalty":-0.5,"logit_bias":{"42":-100,"7":3.5},"logprobs":true,
    "top_logprobs":4,"user":"alice","metadata":{"team":"a"},"stream":true,"stream_options":{"include_usage":true},
    "top_k":40,"min_p":0.05,"repetition_penalty":1.1,"unknown_field":{"ignored":true}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->messages[0].role, Role::kDeveloper);
  EXPECT_EQ(r->params.max_tokens, 7);  // max_completion_tokens takes precedence
  EXPECT_FLOAT_EQ(r->params.temperature, 0.25f);
  EXPECT_FLOAT_EQ(r->params.top_p, 0.5f);
  EXPECT_EQ(r->params.n, 3);
  EXPECT_EQ(r->params.stop, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(r->params.seed, static_cast<std::uint64_t>(-1));
  EXPECT_FLOAT_EQ(r->params.presence_penalty, 0.5f);
  EXPECT_FLOAT_EQ(r->params.frequency_penalty, -0.5f);
  ASSERT_EQ(r->params.logit_bias.size(), 2u);
  EXPECT_TRUE(r->params.logprobs);
  EXPECT_EQ(r->params.top_logprobs, 4);
  EXPECT_EQ(r->user, "alice");
  EXPECT_EQ(r->metadata.at("team"), "a");
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->include_usage);
  EXPECT_EQ(r->params.top_k, 40);
  EXPECT_FLOAT_EQ(r->params.min_p, 0.05f);
  EXPECT_FLOAT_EQ(r->params.repetition_penalty, 1.1f);
}

TEST(ChatRequest, NullMeansAbsent) {
  auto r = parse(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":null,"stop":null,
    "max_tokens":null,"tools":null,"response_format":null,"stream":null})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FLOAT_EQ(r->params.temperature, 1.0f);
  EXPECT_TRUE(r->params.stop.empty());
}

TEST(ChatRequest, StopAsStringAndTopPZero) {
  auto r = parse(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stop":"END","top_p":0,"top_k":-1})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->params.stop, std::vector<std::string>{"END"});
  EXPECT_EQ(r->params.top_k, 1);  // top_p 0: only the most likely token
}

TEST(ChatRequest, ContentPartsAndToolConversation) {
  auto r = parse(R"({"model":"m","messages":[
    {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},
    {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",
      "function":{"name":"f","arguments":"{\"x\":1}"}}]},
    {"role":"tool","tool_call_id":"c1","content":"42"},
    {"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->messages[0].content, "ab");
  EXPECT_TRUE(r->messages[0].content_was_array);
  EXPECT_FALSE(r->messages[0].has_non_text_parts());
  EXPECT_FALSE(r->messages[1].has_content);
  ASSERT_EQ(r->messages[1].tool_calls.size(), 1u);
  EXPECT_EQ(r->messages[1].tool_calls[0].arguments, R"({"x":1})");
  EXPECT_EQ(r->messages[2].tool_call_id, "c1");
  EXPECT_TRUE(r->messages[3].has_non_text_parts());
  EXPECT_EQ(r->messages[3].parts[0].text, "https://x/y.png");
}

TEST(ChatRequest, ToolsAndChoices) {
  constexpr std::string_view kTools =
      R"("tools":[{"type":"function","function":{"name":"get_weather","description":"d",
        "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":true}}])";
  auto r = parse(fmt::format(R"({{"model":"m","messages":[{{"role":"user","content":"hi"}}],{}}})", kTools));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->tools.size(), 1u);
  EXPECT_EQ(r->tools[0].name, "get_weather");
  EXPECT_TRUE(r->tools[0].strict);
  EXPECT_NE(r->tools[0].parameters_json.find("\"city\""), std::string::npos);
  EXPECT_EQ(r->tool_choice.mode, ToolChoice::Mode::kAuto);
  EXPECT_TRUE(r->parallel_tool_calls);

  r = parse(fmt::format(R"({{"model":"m","messages":[{{"role":"user","content":"hi"}}],{},"tool_choice":"required",
    "parallel_tool_calls":false}})",
                        kTools));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->tool_choice.mode, ToolChoice::Mode::kRequired);
  EXPECT_FALSE(r->parallel_tool_calls);

  r = parse(fmt::format(R"({{"model":"m","messages":[{{"role":"user","content":"hi"}}],{},
    "tool_choice":{{"type":"function","function":{{"name":"get_weather"}}}}}})",
                        kTools));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->tool_choice.mode, ToolChoice::Mode::kFunction);
  EXPECT_EQ(r->tool_choice.function_name, "get_weather");

  expect_error(fmt::format(R"({{"model":"m","messages":[{{"role":"user","content":"hi"}}],{},
    "tool_choice":{{"type":"function","function":{{"name":"other"}}}}}})",
                           kTools),
               "tool_choice", "no function named 'other'");
  expect_error(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"tool_choice":"required"})", "tool_choice",
               "only allowed when 'tools' are specified");
}

TEST(ChatRequest, LegacyFunctionsMapOntoTools) {
  auto r = parse(R"({"model":"m","messages":[{"role":"user","content":"hi"}],
    "functions":[{"name":"f","parameters":{"type":"object"}}],"function_call":{"name":"f"}})");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->tools.size(), 1u);
  EXPECT_EQ(r->tool_choice.mode, ToolChoice::Mode::kFunction);
  EXPECT_EQ(r->tool_choice.function_name, "f");
}

TEST(ChatRequest, ResponseFormats) {
  auto r = parse(R"({"model":"m","messages":[{"role":"user","content":"hi"}],
    "response_format":{"type":"json_schema","json_schema":{"name":"person","strict":true,
      "schema":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"],
      "additionalProperties":false}}}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->response_format.kind, ResponseFormat::Kind::kJsonSchema);
  EXPECT_EQ(r->response_format.schema_name, "person");
  EXPECT_TRUE(r->response_format.strict);
  EXPECT_NE(r->response_format.schema_json.find("additionalProperties"), std::string::npos);

  r = parse(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->response_format.kind, ResponseFormat::Kind::kJsonObject);

  expect_error(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"xml"}})",
               "response_format.type", "Supported values are");
  expect_error(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema"}})",
               "response_format.json_schema", "Missing required parameter");
}

TEST(ChatRequest, WrongTypesAndRangesNameTheParam) {
  expect_error(R"({"messages":[{"role":"user","content":"hi"}]})", "model", "Missing required parameter: 'model'");
  expect_error(R"({"model":3,"messages":[{"role":"user","content":"hi"}]})", "model",
               "expected a string, but got an integer");
  expect_error(R"({"model":"m"})", "messages", "Missing required parameter: 'messages'");
  expect_error(R"({"model":"m","messages":[]})", "messages", "empty array");
  expect_error(R"({"model":"m","messages":{}})", "messages", "expected an array");
  expect_error(R"({"model":"m","messages":[{"role":"wizard","content":"x"}]})", "messages[0].role",
               "Invalid value: 'wizard'");
  expect_error(R"({"model":"m","messages":[{"content":"x"}]})", "messages[0].role", "Missing required parameter");
  expect_error(R"({"model":"m","messages":[{"role":"user"}]})", "messages[0].content", "Missing required");
  expect_error(R"({"model":"m","messages":[{"role":"user","content":5}]})", "messages[0].content",
               "one of a string or array of objects");
  expect_error(R"({"model":"m","messages":[{"role":"user","content":[{"type":"video"}]}]})",
               "messages[0].content[0].type", "Invalid value: 'video'");
  expect_error(R"({"model":"m","messages":[{"role":"tool","content":"x"}]})", "messages[0].tool_call_id",
               "Missing required");
  expect_error(R"({"model":"m","messages":[{"role":"assistant"}]})", "messages[0]", "needs 'content' or 'tool_calls'");
  expect_error(
      R"({"model":"m","messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"u"}}]}]})",
      "messages[0].content[0].type", "only contain text parts");

  constexpr std::string_view kPrefix = R"({"model":"m","messages":[{"role":"user","content":"hi"}],)";
  const auto body = [&](std::string_view rest) { return std::string(kPrefix) + std::string(rest) + "}"; };
  expect_error(body(R"("temperature":3)"), "temperature", "decimal above maximum value");
  expect_error(body(R"("temperature":"hot")"), "temperature", "expected a decimal, but got a string");
  expect_error(body(R"("top_p":-0.1)"), "top_p", "decimal below minimum value");
  expect_error(body(R"("n":0)"), "n", "integer below minimum value");
  expect_error(body(R"("n":1.5)"), "n", "expected an integer");
  expect_error(body(R"("max_tokens":0)"), "max_tokens", "integer below minimum value");
  expect_error(body(R"("max_completion_tokens":"x")"), "max_completion_tokens", "expected an integer");
  expect_error(body(R"("stop":["a","b","c","d","e"])"), "stop", "array too long");
  expect_error(body(R"("stop":[1])"), "stop[0]", "expected a string");
  expect_error(body(R"("stop":"")"), "stop", "must not be empty");
  expect_error(body(R"("presence_penalty":2.5)"), "presence_penalty", "above maximum");
  expect_error(body(R"("logit_bias":{"abc":1})"), "logit_bias", "not a token id");
  expect_error(body(R"("logit_bias":{"5":101})"), "logit_bias.5", "between -100 and 100");
  expect_error(body(R"("top_logprobs":3)"), "top_logprobs", "'logprobs' must be set to true");
  expect_error(body(R"("logprobs":true,"top_logprobs":21)"), "top_logprobs", "above maximum");
  expect_error(body(R"("stream_options":{"include_usage":true})"), "stream_options", "only allowed when 'stream'");
  expect_error(body(R"("stream":"yes")"), "stream", "expected a boolean");
  expect_error(body(R"("metadata":{"k":1})"), "metadata.k", "expected a string");
  expect_error(body(R"("tools":[{"type":"function","function":{"name":"bad name"}}])"), "tools[0].function.name",
               "does not match pattern");
  expect_error(body(R"("tools":[{"type":"retrieval"}])"), "tools[0].type", "Supported values are: 'function'");
  expect_error(
      body(R"("tools":[{"type":"function","function":{"name":"a"}},{"type":"function","function":{"name":"a"}}])"),
      "tools[1]", "duplicate function name");
  expect_error(body(R"("seed":1e30)"), "seed", "expected an integer");
}

TEST(ChatRequest, BodyMustBeAnObject) {
  auto json = parse_json("[1,2]");
  ASSERT_TRUE(json);
  auto r = parse_chat_request(*json);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status(), 400);
}

}  // namespace
}  // namespace sovra::api::openai
