#include "api/anthropic/messages_request.hpp"

#include <gtest/gtest.h>

#include "common/json.hpp"

namespace sovra::api::anthropic {
namespace {

Result<ChatRequest> parse(std::string_view json, RequestKind kind = RequestKind::kMessages) {
  auto v = parse_json(json);
  EXPECT_TRUE(v) << json;
  if (!v) return fail(Error::internal("bad test JSON"));
  return parse_messages_request(*v, kind);
}

// The error of a request that must be refused: its message and param.
std::pair<std::string, std::string> refusal(std::string_view json) {
  auto r = parse(json);
  EXPECT_FALSE(r) << json;
  if (r) return {};
  EXPECT_EQ(r.error().status(), 400);
  return {r.error().message, r.error().param};
}

TEST(AnthropicMessagesRequest, MinimalRequest) {
  auto r = parse(R"({"model":"stories","max_tokens":16,"messages":[{"role":"user","content":"Hello"}]})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->model, "stories");
  EXPECT_EQ(r->params.max_tokens, 16);
  ASSERT_EQ(r->messages.size(), 1u);
  EXPECT_EQ(r->messages[0].role, Role::kUser);
  EXPECT_EQ(r->messages[0].content, "Hello");
  EXPECT_FALSE(r->stream);
  EXPECT_EQ(r->tool_choice.mode, ToolChoice::Mode::kNone);
  EXPECT_FALSE(r->enable_thinking.has_value());
}

TEST(AnthropicMessagesRequest, SystemAsStringOrTextBlocks) {
  auto a = parse(R"({"model":"m","max_tokens":1,"system":"Be brief.","messages":[{"role":"user","content":"x"}]})");
  ASSERT_TRUE(a);
  ASSERT_EQ(a->messages.size(), 2u);
  EXPECT_EQ(a->messages[0].role, Role::kSystem);
  EXPECT_EQ(a->messages[0].content, "Be brief.");
  auto b = parse(R"({"model":"m","max_tokens":1,"system":[{"type":"text","text":"One."},)"
                 R"({"type":"text","text":"Two.","cache_control":{"type":"ephemeral"}}],)"
                 R"("messages":[{"role":"user","content":"x"}]})");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->messages[0].content, "One.\nTwo.");
  EXPECT_EQ(
      refusal(R"({"model":"m","max_tokens":1,"system":[{"type":"image"}],"messages":[{"role":"user","content":"x"}]})")
          .second,
      "system.0.type");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":1,"system":5,"messages":[{"role":"user","content":"x"}]})").second,
            "system");
}

TEST(AnthropicMessagesRequest, SamplingAndStop) {
  auto r = parse(R"({"model":"m","max_tokens":100,"temperature":0.5,"top_p":0.9,"top_k":40,)"
                 R"("stop_sequences":["\n\nHuman:","END"],"stream":true,"metadata":{"user_id":"u-42"},)"
                 R"("messages":[{"role":"user","content":"x"}]})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FLOAT_EQ(r->params.temperature, 0.5f);
  EXPECT_FLOAT_EQ(r->params.top_p, 0.9f);
  EXPECT_EQ(r->params.top_k, 40);
  EXPECT_EQ(r->params.stop, (std::vector<std::string>{"\n\nHuman:", "END"}));
  EXPECT_TRUE(r->stream);
  EXPECT_EQ(r->user, "u-42");
}

TEST(AnthropicMessagesRequest, WrongTypesAndRangesNameTheField) {
  const std::string msgs = R"("messages":[{"role":"user","content":"x"}])";
  EXPECT_EQ(refusal(R"({"model":"m",)" + msgs + "}"),
            (std::pair<std::string, std::string>{"max_tokens: Field required", "max_tokens"}));
  EXPECT_EQ(refusal(R"({"max_tokens":1,)" + msgs + "}").second, "model");
  EXPECT_EQ(
      refusal(R"({"model":"m","max_tokens":0,)" + msgs + "}"),
      (std::pair<std::string, std::string>{"max_tokens: Input should be greater than or equal to 1", "max_tokens"}));
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":"5",)" + msgs + "}").first,
            "max_tokens: Input should be a valid integer");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":1.5,)" + msgs + "}").second, "max_tokens");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":-1e30,)" + msgs + "}").first,
            "max_tokens: Input should be greater than or equal to 1");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":1e30,)" + msgs + "}").first,
            "max_tokens: Input should be less than or equal to 2147483647");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":1,"temperature":1.5,)" + msgs + "}").first,
            "temperature: Input should be less than or equal to 1");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":1,"top_p":"x",)" + msgs + "}").first,
            "top_p: Input should be a valid number");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":1,"top_k":-1,)" + msgs + "}").second, "top_k");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":1,"stream":"yes",)" + msgs + "}").first,
            "stream: Input should be a valid boolean");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":1,"stop_sequences":"END",)" + msgs + "}").first,
            "stop_sequences: Input should be a valid list");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":1,"stop_sequences":[""],)" + msgs + "}").second, "stop_sequences.0");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":1,"metadata":{"user_id":5},)" + msgs + "}").second,
            "metadata.user_id");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":1,"metadata":{"tenant":"x"},)" + msgs + "}").first,
            "metadata.tenant: Extra inputs are not permitted");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":1})").first, "messages: Field required");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":1,"messages":[]})").second, "messages");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":1,"messages":{}})").first, "messages: Input should be a valid list");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":1,"messages":[{"role":"system","content":"x"}]})").first,
            "messages.0.role: Input should be 'user' or 'assistant'");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":1,"messages":[{"role":"user"}]})").first,
            "messages.0.content: Field required");
  EXPECT_EQ(
      refusal(R"({"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":""}]}]})")
          .second,
      "messages.0.content.0.text");
  EXPECT_EQ(refusal("[1,2]").first, "The request body must be a JSON object.");
}

TEST(AnthropicMessagesRequest, ToolUseAndToolResultRoundTrip) {
  auto r = parse(R"({"model":"m","max_tokens":64,
    "tools":[{"name":"get_weather","description":"Weather now","input_schema":{"type":"object",
      "properties":{"city":{"type":"string"}},"required":["city"]}}],
    "messages":[
      {"role":"user","content":"Weather in Oslo?"},
      {"role":"assistant","content":[{"type":"thinking","thinking":"Use the tool.","signature":"abc"},
        {"type":"text","text":"Checking."},
        {"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city":"Oslo"}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"-3 C"},
        {"type":"tool_result","tool_use_id":"toolu_02","is_error":true,
         "content":[{"type":"text","text":"timeout"}]},
        {"type":"text","text":"And tomorrow?"}]}]})");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->tools.size(), 1u);
  EXPECT_EQ(r->tools[0].name, "get_weather");
  EXPECT_EQ(r->tools[0].description, "Weather now");
  EXPECT_EQ(r->tools[0].parameters_json,
            R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})");
  EXPECT_EQ(r->tool_choice.mode, ToolChoice::Mode::kAuto);
  ASSERT_EQ(r->messages.size(), 5u);
  const ChatMessage& a = r->messages[1];
  EXPECT_EQ(a.role, Role::kAssistant);
  EXPECT_EQ(a.content, "Checking.");
  EXPECT_EQ(a.reasoning_content, "Use the tool.");
  ASSERT_EQ(a.tool_calls.size(), 1u);
  EXPECT_EQ(a.tool_calls[0].id, "toolu_01");
  EXPECT_EQ(a.tool_calls[0].name, "get_weather");
  EXPECT_EQ(a.tool_calls[0].arguments, R"({"city":"Oslo"})");
  EXPECT_EQ(r->messages[2].role, Role::kTool);
  EXPECT_EQ(r->messages[2].tool_call_id, "toolu_01");
  EXPECT_EQ(r->messages[2].content, "-3 C");
  EXPECT_EQ(r->messages[3].role, Role::kTool);
  EXPECT_EQ(r->messages[3].content, "Error: timeout");
  EXPECT_EQ(r->messages[4].role, Role::kUser);
  EXPECT_EQ(r->messages[4].content, "And tomorrow?");
}

TEST(AnthropicMessagesRequest, ToolChoiceModes) {
  const std::string base = R"({"model":"m","max_tokens":8,"messages":[{"role":"user","content":"x"}],)"
                           R"("tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":)";
  auto any = parse(base + R"({"type":"any","disable_parallel_tool_use":true}})");
  ASSERT_TRUE(any) << any.error().message;
  EXPECT_EQ(any->tool_choice.mode, ToolChoice::Mode::kRequired);
  EXPECT_FALSE(any->parallel_tool_calls);
  auto tool = parse(base + R"({"type":"tool","name":"f"}})");
  ASSERT_TRUE(tool);
  EXPECT_EQ(tool->tool_choice.mode, ToolChoice::Mode::kFunction);
  EXPECT_EQ(tool->tool_choice.function_name, "f");
  auto none = parse(base + R"({"type":"none"}})");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->tool_choice.mode, ToolChoice::Mode::kNone);
  auto autom = parse(base + R"({"type":"auto"}})");
  ASSERT_TRUE(autom);
  EXPECT_EQ(autom->tool_choice.mode, ToolChoice::Mode::kAuto);
  EXPECT_TRUE(autom->parallel_tool_calls);
  EXPECT_EQ(refusal(base + R"({"type":"tool","name":"g"}})").second, "tool_choice.name");
  EXPECT_EQ(refusal(base + R"({"type":"sometimes"}})").second, "tool_choice.type");
  EXPECT_EQ(refusal(base + R"("auto"})").first, "tool_choice: Input should be a valid dictionary");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":8,"messages":[{"role":"user","content":"x"}],)"
                    R"("tool_choice":{"type":"any"}})")
                .second,
            "tool_choice");
}

TEST(AnthropicMessagesRequest, ToolDefinitionsAreChecked) {
  const std::string base = R"({"model":"m","max_tokens":8,"messages":[{"role":"user","content":"x"}],"tools":)";
  EXPECT_EQ(refusal(base + R"([{"name":"f"}]})").first, "tools.0.input_schema: Field required");
  EXPECT_EQ(refusal(base + R"([{"name":"bad name","input_schema":{"type":"object"}}]})").second, "tools.0.name");
  EXPECT_EQ(refusal(base + R"([{"name":"f","input_schema":{"type":"array"}}]})").second, "tools.0.input_schema.type");
  EXPECT_EQ(refusal(base + R"([{"type":"bash_20250124","name":"bash"}]})").second, "tools.0.type");
  EXPECT_EQ(refusal(base + R"([{"name":"f","input_schema":{"type":"object"}},)"
                           R"({"name":"f","input_schema":{"type":"object"}}]})")
                .first,
            "tools: Tool names must be unique.");
  auto custom = parse(base + R"([{"type":"custom","name":"f","input_schema":{"type":"object"}}]})");
  EXPECT_TRUE(custom);
}

TEST(AnthropicMessagesRequest, ImagesAndOtherBlocksAreRefusedClearly) {
  auto [message, param] = refusal(
      R"({"model":"m","max_tokens":8,"messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},)"
      R"({"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]}]})");
  EXPECT_EQ(param, "messages.0.content.1");
  EXPECT_NE(message.find("image content is not supported yet"), std::string::npos) << message;
  EXPECT_EQ(
      refusal(R"({"model":"m","max_tokens":8,"messages":[{"role":"user","content":[{"type":"document"}]}]})").second,
      "messages.0.content.0");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":8,"messages":[{"role":"user","content":[{"type":"magic"}]}]})").second,
            "messages.0.content.0");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":8,"messages":[{"role":"user","content":[)"
                    R"({"type":"tool_use","id":"a","name":"f","input":{}}]}]})")
                .second,
            "messages.0.content.0");
  EXPECT_EQ(
      refusal(R"({"model":"m","max_tokens":8,"messages":[{"role":"user","content":"x"},{"role":"assistant",)"
              R"("content":[{"type":"tool_use","id":"a","name":"f","input":[1]}]},{"role":"user","content":"y"}]})")
          .second,
      "messages.1.content.0.input");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":8,"messages":[{"role":"user","content":[)"
                    R"({"type":"tool_result","tool_use_id":"a","content":[{"type":"image"}]}]}]})")
                .second,
            "messages.0.content.0.content.0");
}

TEST(AnthropicMessagesRequest, ConsecutiveTurnsOfOneRoleAreCombined) {
  auto r = parse(R"({"model":"m","max_tokens":8,"messages":[{"role":"user","content":"One."},)"
                 R"({"role":"user","content":[{"type":"text","text":"Two."}]},{"role":"assistant","content":"A"},)"
                 R"({"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{}}]},)"
                 R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"r"}]},)"
                 R"({"role":"user","content":"Three."}]})");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->messages.size(), 4u);
  EXPECT_EQ(r->messages[0].content, "One.\n\nTwo.");
  EXPECT_EQ(r->messages[1].content, "A");
  ASSERT_EQ(r->messages[1].tool_calls.size(), 1u);
  EXPECT_EQ(r->messages[2].role, Role::kTool);
  EXPECT_EQ(r->messages[3].content, "Three.");
}

TEST(AnthropicMessagesRequest, FinalAssistantPrefillIsRefused) {
  auto [message, param] = refusal(R"({"model":"m","max_tokens":8,"messages":[{"role":"user","content":"x"},)"
                                  R"({"role":"assistant","content":"The answer is"}]})");
  EXPECT_EQ(param, "messages.1");
  EXPECT_NE(message.find("prefill"), std::string::npos);
}

TEST(AnthropicMessagesRequest, Thinking) {
  const std::string msgs = R"("messages":[{"role":"user","content":"x"}])";
  auto on = parse(R"({"model":"m","max_tokens":4096,"thinking":{"type":"enabled","budget_tokens":2048},)" + msgs + "}");
  ASSERT_TRUE(on) << on.error().message;
  EXPECT_EQ(on->enable_thinking, true);
  EXPECT_EQ(on->thinking_budget_tokens, 2048);
  auto off = parse(R"({"model":"m","max_tokens":4096,"thinking":{"type":"disabled"},)" + msgs + "}");
  ASSERT_TRUE(off);
  EXPECT_EQ(off->enable_thinking, false);
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":4096,"thinking":{"type":"enabled","budget_tokens":100},)" + msgs + "}")
                .second,
            "thinking.budget_tokens");
  EXPECT_EQ(
      refusal(R"({"model":"m","max_tokens":2000,"thinking":{"type":"enabled","budget_tokens":2048},)" + msgs + "}")
          .second,
      "max_tokens");
  EXPECT_EQ(refusal(R"({"model":"m","max_tokens":2000,"thinking":{"type":"enabled"},)" + msgs + "}").second,
            "thinking.budget_tokens");
}

TEST(AnthropicMessagesRequest, CountTokensNeedsNoMaxTokens) {
  auto r = parse(R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":"ignored"})",
                 RequestKind::kCountTokens);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->params.max_tokens.has_value());
}

TEST(AnthropicMessagesRequest, UnknownTopLevelFieldsAreIgnored) {
  auto r = parse(R"({"model":"m","max_tokens":8,"service_tier":"auto","context_management":{"edits":[]},)"
                 R"("messages":[{"role":"user","content":"x"}]})");
  EXPECT_TRUE(r);
}

}  // namespace
}  // namespace sovra::api::anthropic
