#include "api/openai/completion_request.hpp"

#include <gtest/gtest.h>

#include "common/json.hpp"

namespace sovra::api::openai {
namespace {

Result<TextCompletionRequest> parse(std::string_view body) {
  auto json = parse_json(body);
  EXPECT_TRUE(json) << body;
  return parse_completion_request(*json);
}

void expect_error(std::string_view body, std::string_view param, std::string_view message) {
  auto r = parse(body);
  ASSERT_FALSE(r) << body;
  EXPECT_EQ(r.error().status(), 400);
  EXPECT_EQ(r.error().param, param) << r.error().message;
  EXPECT_NE(r.error().message.find(message), std::string::npos) << r.error().message;
}

TEST(CompletionRequest, PromptShapes) {
  auto r = parse(R"({"model":"m","prompt":"Once upon"})");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->prompts.size(), 1u);
  EXPECT_EQ(std::get<std::string>(r->prompts[0]), "Once upon");
  EXPECT_EQ(r->params.max_tokens, 16);  // the legacy default

  r = parse(R"({"model":"m","prompt":["a","b"],"max_tokens":5})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->prompts.size(), 2u);
  EXPECT_EQ(r->params.max_tokens, 5);

  r = parse(R"({"model":"m","prompt":[1,2,3]})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->prompts.size(), 1u);
  EXPECT_EQ(std::get<std::vector<std::int32_t>>(r->prompts[0]), (std::vector<std::int32_t>{1, 2, 3}));

  r = parse(R"({"model":"m","prompt":[[1,2],[3]],"echo":true,"logprobs":2,"stream":true,
    "stream_options":{"include_usage":true}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->prompts.size(), 2u);
  EXPECT_TRUE(r->echo);
  EXPECT_TRUE(r->params.logprobs);
  EXPECT_EQ(r->params.top_logprobs, 2);
  EXPECT_TRUE(r->include_usage);
}

TEST(CompletionRequest, Errors) {
  expect_error(R"({"model":"m"})", "prompt", "Missing required parameter: 'prompt'");
  expect_error(R"({"model":"m","prompt":5})", "prompt", "expected a string, an array of strings");
  expect_error(R"({"model":"m","prompt":[]})", "prompt", "empty array");
  expect_error(R"({"model":"m","prompt":[1,-2]})", "prompt[1]", "non-negative integer");
  expect_error(R"({"model":"m","prompt":["a",{}]})", "prompt[1]", "expected a string or an array of integers");
  expect_error(R"({"model":"m","prompt":[[]]})", "prompt[0]", "empty token array");
  expect_error(R"({"model":"m","prompt":"x","suffix":"y"})", "suffix", "not supported");
  expect_error(R"({"model":"m","prompt":"x","best_of":3})", "best_of", "not supported");
  expect_error(R"({"model":"m","prompt":"x","logprobs":6})", "logprobs", "above maximum");
  expect_error(R"({"model":"m","prompt":"x","stream_options":{}})", "stream_options", "only allowed when 'stream'");
  expect_error(R"({"prompt":"x"})", "model", "Missing required parameter: 'model'");
}

}  // namespace
}  // namespace sovra::api::openai
