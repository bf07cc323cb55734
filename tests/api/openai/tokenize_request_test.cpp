#include "api/openai/tokenize_request.hpp"

#include <gtest/gtest.h>

#include "common/json.hpp"

namespace sovra::api::openai {
namespace {

boost::json::value json(std::string_view s) {
  auto v = parse_json(s);
  EXPECT_TRUE(v.has_value()) << s;
  return v ? *v : boost::json::value();
}

TEST(TokenizeRequest, PromptFormWithDefaults) {
  auto r = parse_tokenize_request(json(R"({"model":"m","prompt":"Hello"})"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->model, "m");
  EXPECT_EQ(r->prompt, "Hello");
  EXPECT_FALSE(r->chat.has_value());
  EXPECT_FALSE(r->add_special_tokens.has_value());
  EXPECT_FALSE(r->return_token_strs);
}

TEST(TokenizeRequest, MessagesFormReadsToolsAndGenerationPrompt) {
  auto r = parse_tokenize_request(json(R"({"messages":[{"role":"user","content":"Hi"}],
      "tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"none",
      "add_generation_prompt":false,"add_special_tokens":true,"return_token_strs":true})"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(r->model.empty());
  ASSERT_TRUE(r->chat.has_value());
  ASSERT_EQ(r->chat->messages.size(), 1u);
  EXPECT_EQ(r->chat->messages[0].content, "Hi");
  ASSERT_EQ(r->chat->tools.size(), 1u);
  EXPECT_EQ(r->chat->tool_choice.mode, ToolChoice::Mode::kNone);
  EXPECT_FALSE(r->add_generation_prompt);
  EXPECT_EQ(r->add_special_tokens, true);
  EXPECT_TRUE(r->return_token_strs);
}

TEST(TokenizeRequest, BadBodiesAre400sNamingTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"([1,2])", ""},
      {R"({"model":"m"})", "messages"},
      {R"({"prompt":"a","messages":[]})", "prompt"},
      {R"({"prompt":5})", "prompt"},
      {R"({"model":7,"prompt":"a"})", "model"},
      {R"({"prompt":"a","add_special_tokens":"yes"})", "add_special_tokens"},
      {R"({"messages":[{"role":"wizard","content":"x"}]})", "messages[0].role"},
  };
  for (const auto& [body, param] : cases) {
    auto r = parse_tokenize_request(json(body));
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_EQ(r.error().status(), 400) << body;
    EXPECT_EQ(r.error().param, param) << body << ": " << r.error().message;
  }
}

TEST(DetokenizeRequest, TokensAreNonNegativeIntegers) {
  auto r = parse_detokenize_request(json(R"({"model":"m","tokens":[1,2,3]})"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->tokens, (std::vector<std::int32_t>{1, 2, 3}));
  EXPECT_TRUE(parse_detokenize_request(json(R"({"tokens":[]})")).has_value());
  for (const auto& [body, param] : std::vector<std::pair<std::string, std::string>>{
           {R"({"model":"m"})", "tokens"},
           {R"({"tokens":"1 2"})", "tokens"},
           {R"({"tokens":[1,-2]})", "tokens[1]"},
           {R"({"tokens":[1,2.5]})", "tokens[1]"},
           {R"({"tokens":[4294967296]})", "tokens[0]"}}) {
    auto bad = parse_detokenize_request(json(body));
    ASSERT_FALSE(bad.has_value()) << body;
    EXPECT_EQ(bad.error().param, param) << body;
  }
}

}  // namespace
}  // namespace sovra::api::openai
