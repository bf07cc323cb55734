// Legacy completions with echo and logprobs on the real binary (stories260K): the prompt's tokens come first in
// logprobs, the first with null logprob and top_logprobs as OpenAI writes it, every later one with its logprob
// given the tokens before it; text_offset runs over the echoed prompt and on into the completion. The responses
// validate against ../shared/specs (with the null allowance of sse_checks.hpp). That the numbers are the model's
// is checked at the engine level (tests/engine/prompt_logprobs_test.cpp).
#include <gtest/gtest.h>

#include <filesystem>

#include "api/openai/sse_checks.hpp"
#include "integration/auth_support.hpp"
#include "support/raw_http.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

const std::string kModel = SOVRA_SHARED_DIR "/models/stories260K.gguf";

TEST(CompletionLogprobs, EchoCarriesThePromptTokensLogprobs) {
  if (!std::filesystem::exists(kModel)) GTEST_SKIP() << kModel << " is absent (../shared)";
  ServerProcess server({"--model", "stories=" + kModel});
  ASSERT_TRUE(server.started()) << server.log();
  const std::map<std::string, std::string> auth{
      {"authorization", "Bearer " + read_file(server.data_dir() + "/data/initial-api-key")}};
  const std::string prompt = "Once upon a time, there was a cat";

  auto plain = http_request(server.port(), "POST", "/v1/completions",
                            R"({"model":"stories","prompt":")" + prompt + R"(","max_tokens":4,"temperature":0})",
                            "application/json", auth);
  ASSERT_EQ(plain.status, 200) << plain.body;
  const auto p = parse_json(plain.body);
  ASSERT_TRUE(p.has_value());
  const std::string completion(p->at("choices").as_array()[0].at("text").as_string());

  auto r = http_request(
      server.port(), "POST", "/v1/completions",
      R"({"model":"stories","prompt":")" + prompt + R"(","max_tokens":4,"temperature":0,"echo":true,"logprobs":3})",
      "application/json", auth);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto v = sovra::testing::expect_valid_with_prompt_logprobs(r.body, "CreateCompletionResponse");
  const auto& choice = v.at("choices").as_array()[0];
  EXPECT_EQ(std::string(choice.at("text").as_string()), prompt + completion);
  const auto n_prompt = static_cast<std::size_t>(v.at("usage").at("prompt_tokens").to_number<std::int64_t>());
  const auto n_completion = static_cast<std::size_t>(v.at("usage").at("completion_tokens").to_number<std::int64_t>());
  const auto& lp = choice.at("logprobs");
  const auto& tokens = lp.at("tokens").as_array();
  const auto& values = lp.at("token_logprobs").as_array();
  const auto& tops = lp.at("top_logprobs").as_array();
  const auto& offsets = lp.at("text_offset").as_array();
  ASSERT_GT(n_prompt, 2u);
  ASSERT_EQ(tokens.size(), n_prompt + n_completion);
  ASSERT_EQ(values.size(), tokens.size());
  ASSERT_EQ(tops.size(), tokens.size());
  ASSERT_EQ(offsets.size(), tokens.size());
  EXPECT_TRUE(values[0].is_null());
  EXPECT_TRUE(tops[0].is_null());
  std::string joined;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    EXPECT_EQ(offsets[i].to_number<std::int64_t>(), static_cast<std::int64_t>(joined.size())) << "token " << i;
    joined += tokens[i].as_string();
    if (i == 0) continue;
    const double value = values[i].to_number<double>();
    EXPECT_LE(value, 0.0) << "token " << i;
    EXPECT_GT(value, -50.0) << "token " << i;
    EXPECT_GE(tops[i].as_object().size(), 1u);
    EXPECT_LE(tops[i].as_object().size(), 3u);
    // The best alternative is at least as likely as the actual token.
    double best = -1e9;
    for (const auto& [k, x] : tops[i].as_object()) best = std::max(best, x.to_number<double>());
    EXPECT_GE(best, value - 1e-6) << "token " << i;
  }
  // The prompt's tokens spell the echoed prompt; the completion's follow it.
  std::string prompt_part;
  for (std::size_t i = 0; i < n_prompt; ++i) prompt_part += tokens[i].as_string();
  EXPECT_EQ(prompt_part, prompt);
  EXPECT_EQ(offsets[n_prompt].to_number<std::int64_t>(), static_cast<std::int64_t>(prompt.size()));

  // Streamed, the same numbers: the first chunk carries the echo and the prompt's tokens.
  auto s = http_request(server.port(), "POST", "/v1/completions",
                        R"({"model":"stories","prompt":")" + prompt +
                            R"(","max_tokens":4,"temperature":0,"echo":true,"logprobs":3,"stream":true})",
                        "application/json", auth);
  ASSERT_EQ(s.status, 200) << s.body;
  const auto payloads = sovra::testing::sse_payloads(s.body);
  ASSERT_GE(payloads.size(), 2u);
  auto first = parse_json(payloads[0]);
  ASSERT_TRUE(first.has_value());
  const auto& first_lp = first->at("choices").as_array()[0].at("logprobs");
  ASSERT_GE(first_lp.at("tokens").as_array().size(), n_prompt);
  EXPECT_TRUE(first_lp.at("token_logprobs").as_array()[0].is_null());
  for (std::size_t i = 1; i < n_prompt; ++i) {
    EXPECT_NEAR(first_lp.at("token_logprobs").as_array()[i].to_number<double>(), values[i].to_number<double>(), 1e-6);
  }
}

}  // namespace
}  // namespace sovra::test
