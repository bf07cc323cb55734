// POST /v1/completions through the real router, handler, CallFlow and encoders, over a scripted backend.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "api/openai/handler_world.hpp"
#include "api/openai/sse_checks.hpp"

namespace sovra::api::openai {
namespace {

using testing::expect_golden;
using testing::expect_valid;
using testing::normalise_ids;
using testing::sse_payloads;
using World = testing::HandlerWorld;

constexpr const char* kPath = "/v1/completions";

TextEvent delta(TextDelta d) { return TextEvent{.kind = TextEvent::Kind::kDelta, .delta = std::move(d)}; }
TextEvent finished(Usage u) { return TextEvent{.kind = TextEvent::Kind::kFinished, .usage = u}; }

TokenLogprob lp(std::string token, float logprob, std::string alt, float alt_logprob) {
  return {.token = token, .logprob = logprob, .top = {{token, logprob}, {std::move(alt), alt_logprob}}};
}

// A legacy stream chunk has the response's shape, except that finish_reason is null until a choice's last chunk
// and usage is null on every chunk but the usage chunk when include_usage was asked (as OpenAI documents and vLLM
// sends them; the specification's schema lists neither null): validate with those two allowances.
boost::json::value expect_valid_text_chunk(const std::string& json) {
  auto parsed = parse_json(json);
  EXPECT_TRUE(parsed) << json;
  if (!parsed) return {};
  boost::json::value checked = *parsed;
  if (const auto* u = checked.as_object().if_contains("usage"); u != nullptr && u->is_null()) {
    checked.as_object().erase("usage");
  }
  for (auto& c : checked.at("choices").as_array()) {
    if (c.at("finish_reason").is_null()) c.as_object()["finish_reason"] = "stop";
  }
  expect_valid(boost::json::serialize(checked), "CreateCompletionResponse");
  return *parsed;
}

TEST(CompletionHandler, NonStreamingWithTwoPromptsEchoAndLegacyLogprobs) {
  World w;
  w.backend->text_script = {
      delta(
          {.index = 0, .text = " world", .logprobs = std::vector<TokenLogprob>{lp(" world", -0.5f, " there", -1.5f)}}),
      delta({.index = 1, .text = " cat", .logprobs = std::vector<TokenLogprob>{lp(" cat", -0.25f, " dog", -2.0f)}}),
      delta({.index = 0,
             .text = "!",
             .logprobs = std::vector<TokenLogprob>{lp("!", -0.75f, ".", -1.0f)},
             .finish_reason = FinishReason::kLength}),
      delta({.index = 1, .finish_reason = FinishReason::kStop}),
      finished({.prompt_tokens = 4, .completion_tokens = 3}),
  };
  auto ex = testing::post(w.router, kPath,
                          R"({"model":"stories","prompt":["Hello","The"],"echo":true,"logprobs":1,"max_tokens":2})");
  const http::Response* r = ex.response();
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(World::header(*r, "x-ratelimit-remaining-requests"), "9");
  const auto v = expect_valid(r->body, "CreateCompletionResponse");
  EXPECT_EQ(v.at("object"), "text_completion");
  EXPECT_EQ(v.at("id").as_string().subview().substr(0, 5), "cmpl-");
  const auto& choices = v.at("choices").as_array();
  ASSERT_EQ(choices.size(), 2u);
  EXPECT_EQ(choices[0].at("text"), "Hello world!");
  EXPECT_EQ(choices[0].at("finish_reason"), "length");
  EXPECT_EQ(choices[1].at("text"), "The cat");
  const auto& logprobs = choices[0].at("logprobs");
  EXPECT_EQ(logprobs.at("tokens"), (boost::json::array{" world", "!"}));
  EXPECT_EQ(logprobs.at("text_offset"), (boost::json::array{5, 11}));
  EXPECT_DOUBLE_EQ(logprobs.at("token_logprobs").as_array()[0].to_number<double>(), -0.5);
  EXPECT_DOUBLE_EQ(logprobs.at("top_logprobs").as_array()[0].at(" there").to_number<double>(), -1.5);
  EXPECT_EQ(v.at("usage").at("total_tokens"), 7);
  // The backend never echoes: the handler did.
  ASSERT_EQ(w.backend->text_requests.size(), 1u);
  EXPECT_FALSE(w.backend->text_requests[0].echo);
  EXPECT_EQ(w.backend->text_requests[0].params.top_logprobs, 1);
  ASSERT_EQ(w.hook->admitted().size(), 1u);
  EXPECT_EQ(w.hook->admitted()[0].endpoint, "/v1/completions");
  EXPECT_EQ(w.hook->admitted()[0].prompt_tokens, 2 + 1);  // "Hello" and "The" at bytes / 4, rounded up
  EXPECT_EQ(w.hook->admitted()[0].max_output_tokens, 2 * 2);
  ASSERT_EQ(w.hook->finished().size(), 1u);
  EXPECT_EQ(w.hook->finished()[0].usage.prompt_tokens, 4);
}

TEST(CompletionHandler, StreamWithUsageAndLogprobsMatchesGolden) {
  World w;
  w.backend->text_script = {
      delta({.index = 0, .text = " upon", .logprobs = std::vector<TokenLogprob>{lp(" upon", -0.5f, " a", -1.25f)}}),
      delta({.index = 0,
             .text = " a",
             .logprobs = std::vector<TokenLogprob>{lp(" a", -0.125f, " the", -3.0f)},
             .finish_reason = FinishReason::kLength}),
      finished({.prompt_tokens = 3, .completion_tokens = 2}),
  };
  auto ex = testing::post(
      w.router, kPath,
      R"({"model":"stories","prompt":"Once","max_tokens":2,"logprobs":1,"echo":true,"stream":true,"stream_options":{"include_usage":true}})");
  ASSERT_NE(ex.response(), nullptr);
  EXPECT_EQ(ex.response()->content_type, "text/event-stream");
  ASSERT_TRUE(ex.read_to_end());
  const auto payloads = sse_payloads(ex.streamed());
  ASSERT_EQ(payloads.size(), 4u);
  EXPECT_EQ(payloads.back(), "[DONE]");
  const auto first = expect_valid_text_chunk(payloads[0]);
  EXPECT_EQ(first.at("choices").as_array()[0].at("text"), "Once upon");
  EXPECT_EQ(first.at("choices").as_array()[0].at("logprobs").at("text_offset"), (boost::json::array{4}));
  const auto second = expect_valid_text_chunk(payloads[1]);
  EXPECT_EQ(second.at("choices").as_array()[0].at("logprobs").at("text_offset"), (boost::json::array{9}));
  EXPECT_TRUE(second.at("usage").is_null());
  const auto usage = expect_valid(payloads[2], "CreateCompletionResponse");
  EXPECT_TRUE(usage.at("choices").as_array().empty());
  EXPECT_EQ(usage.at("usage").at("total_tokens"), 5);
  expect_golden("completion_stream_echo_logprobs_usage.sse", normalise_ids(ex.streamed()));
}

TEST(CompletionHandler, EchoWithLogprobsPutsThePromptTokensFirst) {
  World w;
  const std::vector<TokenLogprob> prompt = {{.token = "", .first_prompt_token = true}, lp("Hello", -2.0f, "Hi", -1.0f)};
  w.backend->text_script = {
      delta({.index = 0,
             .text = " world",
             .logprobs = std::vector<TokenLogprob>{lp(" world", -0.5f, " there", -1.5f)},
             .prompt_logprobs = prompt}),
      delta({.index = 0,
             .text = "!",
             .logprobs = std::vector<TokenLogprob>{lp("!", -0.25f, ".", -1.0f)},
             .finish_reason = FinishReason::kLength}),
      finished({.prompt_tokens = 2, .completion_tokens = 2}),
  };
  auto ex =
      testing::post(w.router, kPath, R"({"model":"stories","prompt":"Hello","echo":true,"logprobs":1,"max_tokens":2})");
  const http::Response* r = ex.response();
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->status, 200) << r->body;
  // The backend was asked for the prompt's logprobs; the handler still does the echo.
  ASSERT_EQ(w.backend->text_requests.size(), 1u);
  EXPECT_TRUE(w.backend->text_requests[0].prompt_logprobs);
  EXPECT_FALSE(w.backend->text_requests[0].echo);
  const auto v = testing::expect_valid_with_prompt_logprobs(r->body, "CreateCompletionResponse");
  const auto& choice = v.at("choices").as_array()[0];
  EXPECT_EQ(choice.at("text"), "Hello world!");
  const auto& logprobs = choice.at("logprobs");
  EXPECT_EQ(logprobs.at("tokens"), (boost::json::array{"", "Hello", " world", "!"}));
  EXPECT_EQ(logprobs.at("text_offset"), (boost::json::array{0, 0, 5, 11}));
  EXPECT_TRUE(logprobs.at("token_logprobs").as_array()[0].is_null());
  EXPECT_TRUE(logprobs.at("top_logprobs").as_array()[0].is_null());
  EXPECT_DOUBLE_EQ(logprobs.at("token_logprobs").as_array()[1].to_number<double>(), -2.0);
  EXPECT_DOUBLE_EQ(logprobs.at("top_logprobs").as_array()[1].at("Hi").to_number<double>(), -1.0);
  EXPECT_DOUBLE_EQ(logprobs.at("token_logprobs").as_array()[2].to_number<double>(), -0.5);

  // Streamed: the first chunk carries the echo and the prompt's tokens, offsets continue in the next one.
  World s;
  s.backend->text_script = w.backend->text_script;
  auto sx = testing::post(
      s.router, kPath, R"({"model":"stories","prompt":"Hello","echo":true,"logprobs":1,"max_tokens":2,"stream":true})");
  ASSERT_NE(sx.response(), nullptr);
  ASSERT_TRUE(sx.read_to_end());
  const auto payloads = sse_payloads(sx.streamed());
  ASSERT_EQ(payloads.size(), 3u);
  auto first = parse_json(payloads[0]);
  ASSERT_TRUE(first.has_value());
  const auto& c0 = first->at("choices").as_array()[0];
  EXPECT_EQ(c0.at("text"), "Hello world");
  EXPECT_EQ(c0.at("logprobs").at("text_offset"), (boost::json::array{0, 0, 5}));
  EXPECT_TRUE(c0.at("logprobs").at("token_logprobs").as_array()[0].is_null());
  auto second = parse_json(payloads[1]);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->at("choices").as_array()[0].at("logprobs").at("text_offset"), (boost::json::array{11}));
}

TEST(CompletionHandler, TokenPromptsPassThroughAndUnsupportedFieldsAreRefused) {
  World w;
  w.backend->text_script = {delta({.index = 0, .text = "x", .finish_reason = FinishReason::kStop}),
                            finished({.prompt_tokens = 3, .completion_tokens = 1})};
  {
    auto ex = testing::post(w.router, kPath, R"({"model":"stories","prompt":[1,2,3]})");
    ASSERT_NE(ex.response(), nullptr);
    EXPECT_EQ(ex.response()->status, 200);
    ASSERT_EQ(w.backend->text_requests.size(), 1u);
    EXPECT_EQ(std::get<std::vector<std::int32_t>>(w.backend->text_requests[0].prompts[0]),
              (std::vector<std::int32_t>{1, 2, 3}));
    EXPECT_EQ(w.hook->admitted()[0].prompt_tokens, 3);
    EXPECT_EQ(w.hook->admitted()[0].max_output_tokens, 16);  // the legacy default max_tokens
  }
  for (const auto& [body, param] : std::vector<std::pair<std::string, std::string>>{
           {R"({"model":"stories","prompt":"a","suffix":"b"})", "suffix"},
           {R"({"model":"stories","prompt":[[1,2]],"echo":true})", "echo"},
           {R"({"model":"stories","prompt":"a","logprobs":9})", "logprobs"},
           {R"({"model":"stories"})", "prompt"}}) {
    auto ex = testing::post(w.router, kPath, body);
    const http::Response* r = ex.response();
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->status, 400) << body;
    const auto v = expect_valid(r->body, "ErrorResponse");
    EXPECT_EQ(v.at("error").at("param"), param.c_str()) << body;
  }
  EXPECT_EQ(w.backend->text_requests.size(), 1u);
}

TEST(CompletionHandler, RefusalAndDisconnect) {
  {
    Error limit{ErrorCode::kRateLimited, "Rate limit reached for tokens", {}, 429, "rate_limit_exceeded"};
    World w({.refuse = limit, .headers = {{"retry-after", "1"}}});
    auto ex = testing::post(w.router, kPath, R"({"model":"stories","prompt":"a","stream":true})");
    ASSERT_NE(ex.response(), nullptr);
    EXPECT_EQ(ex.response()->status, 429);
    EXPECT_EQ(World::header(*ex.response(), "retry-after"), "1");
    EXPECT_TRUE(w.backend->text_requests.empty());
  }
  World w;
  w.backend->manual = true;
  w.backend->text_script = {delta({.index = 0, .text = "Once"}),
                            finished({.prompt_tokens = 1, .completion_tokens = 1})};
  auto ex = testing::post(w.router, kPath, R"({"model":"stories","prompt":"a","stream":true})");
  ASSERT_TRUE(w.backend->release_next());
  ASSERT_NE(ex.response(), nullptr);
  ASSERT_TRUE(ex.read_until("Once"));
  ex.disconnect();
  ASSERT_EQ(w.backend->cancelled.size(), 1u);
  ASSERT_TRUE(w.backend->release_next());
  ASSERT_EQ(w.hook->finished().size(), 1u);
  EXPECT_TRUE(w.hook->finished()[0].cancelled);
  EXPECT_EQ(w.hook->finished()[0].usage.completion_tokens, 1);
}

}  // namespace
}  // namespace sovra::api::openai
