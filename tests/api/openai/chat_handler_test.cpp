// POST /v1/chat/completions through the real router, handler, CallFlow and encoders, over a scripted backend.
#include <gtest/gtest.h>

#include "api/openai/handler_world.hpp"
#include "api/openai/inference_routes.hpp"
#include "api/openai/sse_checks.hpp"

namespace sovra::api::openai {
namespace {

using testing::expect_golden;
using testing::expect_valid;
using testing::normalise_ids;
using testing::sse_payloads;
using World = testing::HandlerWorld;

constexpr const char* kPath = "/v1/chat/completions";

ChatEvent delta(ChatDelta d) { return ChatEvent{.kind = ChatEvent::Kind::kDelta, .delta = std::move(d)}; }
ChatEvent finished(Usage u) { return ChatEvent{.kind = ChatEvent::Kind::kFinished, .usage = u}; }
ChatEvent failed(Error e, Usage u = {}) {
  return ChatEvent{.kind = ChatEvent::Kind::kFinished, .usage = u, .error = std::move(e)};
}

std::string chat_body(std::string_view extra = "") {
  std::string body = R"({"model":"stories","messages":[{"role":"user","content":"Tell me a story"}])";
  if (!extra.empty()) body.append(",").append(extra);
  body += '}';
  return body;
}

// Checks every frame of a chat stream against the specification and returns the JSON chunks (not [DONE]).
std::vector<boost::json::value> check_chat_stream(const std::string& transcript, bool expect_done = true) {
  auto payloads = sse_payloads(transcript);
  std::vector<boost::json::value> chunks;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    if (payloads[i] == "[DONE]") {
      EXPECT_TRUE(expect_done);
      EXPECT_EQ(i + 1, payloads.size()) << "[DONE] must be the last frame";
      continue;
    }
    if (payloads[i].rfind(R"({"error")", 0) == 0) {
      expect_valid(payloads[i], "ErrorResponse");
      continue;
    }
    chunks.push_back(expect_valid(payloads[i], "CreateChatCompletionStreamResponse"));
  }
  if (expect_done) {
    EXPECT_FALSE(payloads.empty() || payloads.back() != "[DONE]") << transcript;
  }
  return chunks;
}

TEST(ChatHandler, NonStreamingCollectsEveryChoiceWithToolsReasoningLogprobsAndUsage) {
  World w;
  w.backend->chat_script = {
      delta({.index = 0, .role = true, .reasoning_content = "Think."}),
      delta({.index = 1, .role = true}),
      delta({.index = 0,
             .content = "Once",
             .logprobs = std::vector<TokenLogprob>{{.token = "Once", .logprob = -0.25f, .top = {{"Once", -0.25f}}}}}),
      delta({.index = 1, .tool_calls = {{.index = 0, .id = "call_a", .name = "get_weather", .arguments = "{\"ci"}}}),
      delta({.index = 0,
             .content = " upon",
             .finish_reason = FinishReason::kLength,
             .logprobs = std::vector<TokenLogprob>{{.token = " upon", .logprob = -1.5f, .top = {{" upon", -1.5f}}}}}),
      delta({.index = 1,
             .tool_calls = {{.index = 0, .arguments = "ty\":\"Umeå\"}"}},
             .finish_reason = FinishReason::kToolCalls}),
      finished({.prompt_tokens = 7, .completion_tokens = 6, .cached_prompt_tokens = 4, .reasoning_tokens = 1}),
  };
  auto ex = testing::post(w.router, kPath, chat_body(R"("n":2,"logprobs":true,"top_logprobs":1,"user":"u1")"));
  const http::Response* r = ex.response();
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(World::header(*r, "x-ratelimit-remaining-requests"), "9");
  EXPECT_FALSE(World::header(*r, "openai-processing-ms").empty());
  const auto v = expect_valid(r->body, "CreateChatCompletionResponse");
  ASSERT_TRUE(v.is_object()) << r->body;
  EXPECT_EQ(v.at("object"), "chat.completion");
  EXPECT_EQ(v.at("model"), "stories");
  EXPECT_EQ(v.at("id").as_string().subview().substr(0, 9), "chatcmpl-");
  const auto& choices = v.at("choices").as_array();
  ASSERT_EQ(choices.size(), 2u);
  EXPECT_EQ(choices[0].at("message").at("content"), "Once upon");
  EXPECT_EQ(choices[0].at("message").at("reasoning_content"), "Think.");
  EXPECT_EQ(choices[0].at("finish_reason"), "length");
  EXPECT_EQ(choices[0].at("logprobs").at("content").as_array().size(), 2u);
  EXPECT_TRUE(choices[1].at("message").at("content").is_null());
  EXPECT_EQ(choices[1].at("finish_reason"), "tool_calls");
  const auto& call = choices[1].at("message").at("tool_calls").as_array()[0];
  EXPECT_EQ(call.at("id"), "call_a");
  EXPECT_EQ(call.at("function").at("name"), "get_weather");
  EXPECT_EQ(call.at("function").at("arguments"), "{\"city\":\"Umeå\"}");
  EXPECT_EQ(v.at("usage").at("total_tokens"), 13);
  EXPECT_EQ(v.at("usage").at("prompt_tokens_details").at("cached_tokens"), 4);
  EXPECT_EQ(v.at("usage").at("completion_tokens_details").at("reasoning_tokens"), 1);

  // Admission saw the call's worst case; the ticket was finished with the real usage.
  ASSERT_EQ(w.hook->admitted().size(), 1u);
  EXPECT_EQ(w.hook->admitted()[0].prompt_tokens, 7);
  EXPECT_EQ(w.hook->admitted()[0].max_output_tokens, 2 * (2048 - 7));
  EXPECT_EQ(w.hook->admitted()[0].user, "u1");
  EXPECT_EQ(w.hook->admitted()[0].request_id, "req_test");
  ASSERT_EQ(w.hook->finished().size(), 1u);
  EXPECT_EQ(w.hook->finished()[0].http_status, 200);
  EXPECT_EQ(w.hook->finished()[0].usage.completion_tokens, 6);
  EXPECT_FALSE(w.hook->finished()[0].cancelled);
  // The backend got the parsed request.
  ASSERT_EQ(w.backend->chat_requests.size(), 1u);
  EXPECT_EQ(w.backend->chat_requests[0].params.n, 2);
  EXPECT_TRUE(w.backend->chat_requests[0].params.logprobs);
}

TEST(ChatHandler, StreamWithIncludeUsageMatchesGolden) {
  World w;
  w.backend->chat_script = {
      delta({.index = 0, .role = true, .content = ""}),
      delta({.index = 0, .content = "Once"}),
      delta({.index = 0, .content = " upon a time"}),
      delta({.index = 0, .finish_reason = FinishReason::kStop}),
      finished({.prompt_tokens = 7, .completion_tokens = 3, .cached_prompt_tokens = 2}),
  };
  auto ex = testing::post(w.router, kPath, chat_body(R"("stream":true,"stream_options":{"include_usage":true})"));
  const http::Response* r = ex.response();
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_type, "text/event-stream");
  EXPECT_EQ(World::header(*r, "x-ratelimit-remaining-requests"), "9");
  ASSERT_TRUE(ex.read_to_end());
  const auto chunks = check_chat_stream(ex.streamed());
  ASSERT_EQ(chunks.size(), 5u);
  for (std::size_t i = 0; i + 1 < chunks.size(); ++i) EXPECT_TRUE(chunks[i].at("usage").is_null());
  EXPECT_TRUE(chunks.back().at("choices").as_array().empty());
  EXPECT_EQ(chunks.back().at("usage").at("total_tokens"), 10);
  // One id and one timestamp for the whole stream.
  for (const auto& c : chunks) EXPECT_EQ(c.at("id"), chunks[0].at("id"));
  expect_golden("chat_stream_include_usage.sse", normalise_ids(ex.streamed()));
  ASSERT_EQ(w.hook->finished().size(), 1u);
  EXPECT_EQ(w.hook->finished()[0].usage.prompt_tokens, 7);
}

TEST(ChatHandler, StreamWithoutIncludeUsageHasNoUsageField) {
  World w;
  w.backend->chat_script = {delta({.index = 0, .content = "Hi", .finish_reason = FinishReason::kStop}),
                            finished({.prompt_tokens = 7, .completion_tokens = 1})};
  auto ex = testing::post(w.router, kPath, chat_body(R"("stream":true)"));
  ASSERT_NE(ex.response(), nullptr);
  ASSERT_TRUE(ex.read_to_end());
  const auto chunks = check_chat_stream(ex.streamed());
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_FALSE(chunks[0].as_object().contains("usage"));
  // The handler adds the role to a choice's first chunk when the backend did not.
  EXPECT_EQ(chunks[0].at("choices").as_array()[0].at("delta").at("role"), "assistant");
}

TEST(ChatHandler, StreamTwoChoicesInterleavedMatchesGolden) {
  World w;
  w.backend->chat_script = {
      delta({.index = 0, .role = true, .content = ""}),
      delta({.index = 1, .role = true, .content = ""}),
      delta({.index = 1, .content = "Lily"}),
      delta({.index = 0, .content = "Tom"}),
      delta({.index = 0, .content = " ran", .finish_reason = FinishReason::kLength}),
      delta({.index = 1, .content = " sang", .finish_reason = FinishReason::kStop}),
      finished({.prompt_tokens = 7, .completion_tokens = 4}),
  };
  auto ex = testing::post(w.router, kPath,
                          chat_body(R"("n":2,"max_tokens":2,"stream":true,"stream_options":{"include_usage":true})"));
  ASSERT_NE(ex.response(), nullptr);
  ASSERT_TRUE(ex.read_to_end());
  const auto chunks = check_chat_stream(ex.streamed());
  ASSERT_EQ(chunks.size(), 7u);
  std::string text[2];
  for (std::size_t i = 0; i + 1 < chunks.size(); ++i) {
    const auto& choice = chunks[i].at("choices").as_array()[0];
    const auto index = choice.at("index").to_number<int>();
    if (const auto* c = choice.at("delta").as_object().if_contains("content")) text[index] += c->as_string().c_str();
  }
  EXPECT_EQ(text[0], "Tom ran");
  EXPECT_EQ(text[1], "Lily sang");
  EXPECT_EQ(w.hook->admitted()[0].max_output_tokens, 4);
  expect_golden("chat_stream_n2.sse", normalise_ids(ex.streamed()));
}

TEST(ChatHandler, StreamToolCallDeltasMatchGolden) {
  World w;
  w.backend->chat_script = {
      delta({.index = 0, .role = true, .content = std::nullopt}),
      delta({.index = 0, .tool_calls = {{.index = 0, .id = "call_0", .name = "get_weather", .arguments = ""}}}),
      delta({.index = 0, .tool_calls = {{.index = 0, .arguments = "{\"city\":"}}}),
      delta({.index = 0, .tool_calls = {{.index = 0, .arguments = "\"Paris\"}"}}}),
      delta({.index = 0, .tool_calls = {{.index = 1, .id = "call_1", .name = "get_time", .arguments = "{}"}}}),
      delta({.index = 0, .finish_reason = FinishReason::kToolCalls}),
      finished({.prompt_tokens = 30, .completion_tokens = 12}),
  };
  auto ex =
      testing::post(w.router, kPath,
                    chat_body(R"("stream":true,"tool_choice":"required","tools":[)"
                              R"({"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}},)"
                              R"({"type":"function","function":{"name":"get_time"}}])"));
  ASSERT_NE(ex.response(), nullptr);
  ASSERT_TRUE(ex.read_to_end());
  const auto chunks = check_chat_stream(ex.streamed());
  ASSERT_EQ(chunks.size(), 6u);
  EXPECT_EQ(chunks.back().at("choices").as_array()[0].at("finish_reason"), "tool_calls");
  ASSERT_EQ(w.backend->chat_requests.size(), 1u);
  EXPECT_EQ(w.backend->chat_requests[0].tool_choice.mode, ToolChoice::Mode::kRequired);
  EXPECT_EQ(w.backend->chat_requests[0].tools.size(), 2u);
  expect_golden("chat_stream_tool_calls.sse", normalise_ids(ex.streamed()));
}

TEST(ChatHandler, RefusalByAHookIs429WithItsHeadersAndReleasesEarlierTickets) {
  Error limit{ErrorCode::kRateLimited, "Rate limit reached for requests", {}, 429, "rate_limit_exceeded"};
  World w({.refuse = limit, .headers = {{"retry-after", "3"}, {"x-ratelimit-remaining-requests", "0"}}},
          /*with_admitting_hook=*/true);
  w.backend->chat_script = {finished({})};
  for (const bool stream : {false, true}) {
    auto ex = testing::post(w.router, kPath, chat_body(stream ? R"("stream":true)" : ""));
    const http::Response* r = ex.response();
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->status, 429);
    EXPECT_FALSE(r->stream);
    EXPECT_EQ(World::header(*r, "retry-after"), "3");
    EXPECT_EQ(World::header(*r, "x-ratelimit-remaining-requests"), "0");
    const auto v = expect_valid(r->body, "ErrorResponse");
    EXPECT_EQ(v.at("error").at("type"), "rate_limit_error");
    EXPECT_EQ(v.at("error").at("code"), "rate_limit_exceeded");
  }
  EXPECT_TRUE(w.backend->chat_requests.empty());
  // The hook admitted before the refusing one had its tickets finished with the refusal.
  const auto results = w.first_hook->finished();
  ASSERT_EQ(results.size(), 2u);
  for (const auto& res : results) {
    EXPECT_EQ(res.http_status, 429);
    EXPECT_EQ(res.error_code, "rate_limit_exceeded");
  }
}

TEST(ChatHandler, UnknownModelAndBadRequestsAreOpenAIErrors) {
  World w;
  {
    auto ex = testing::post(w.router, kPath, R"({"model":"gpt-9","messages":[{"role":"user","content":"x"}]})");
    const http::Response* r = ex.response();
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->status, 404);
    const auto v = expect_valid(r->body, "ErrorResponse");
    EXPECT_EQ(v.at("error").at("code"), "model_not_found");
  }
  {
    auto ex = testing::post(w.router, kPath, chat_body(R"("temperature":"hot")"));
    const http::Response* r = ex.response();
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->status, 400);
    const auto v = expect_valid(r->body, "ErrorResponse");
    EXPECT_EQ(v.at("error").at("param"), "temperature");
    EXPECT_EQ(v.at("error").at("type"), "invalid_request_error");
  }
  {
    auto ex = testing::post(w.router, kPath, "{\"model\":");
    ASSERT_NE(ex.response(), nullptr);
    EXPECT_EQ(ex.response()->status, 400);
  }
  {
    auto ex = testing::post(
        w.router, kPath,
        R"({"model":"stories","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]})");
    const http::Response* r = ex.response();
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->status, 400);
    const auto v = expect_valid(r->body, "ErrorResponse");
    EXPECT_EQ(v.at("error").at("param"), "messages[0].content");
    EXPECT_NE(std::string(v.at("error").at("message").as_string()).find("does not support images"), std::string::npos);
  }
  EXPECT_TRUE(w.hook->admitted().empty());
  EXPECT_TRUE(w.backend->chat_requests.empty());
}

TEST(ChatHandler, BackendRefusalAtStartEndsTheCallWithItsStatus) {
  World w;
  Error overflow =
      Error::invalid("This model's maximum context length is 2048 tokens; you requested 3000.", "messages");
  overflow.api_code = "context_length_exceeded";
  w.backend->refuse = overflow;
  for (const bool stream : {false, true}) {
    auto ex = testing::post(w.router, kPath, chat_body(stream ? R"("stream":true)" : ""));
    const http::Response* r = ex.response();
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->status, 400);
    EXPECT_FALSE(r->stream);
    EXPECT_EQ(World::header(*r, "x-ratelimit-remaining-requests"), "9");
    const auto v = expect_valid(r->body, "ErrorResponse");
    EXPECT_EQ(v.at("error").at("code"), "context_length_exceeded");
  }
  const auto results = w.hook->finished();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].http_status, 400);
  EXPECT_EQ(results[0].error_code, "context_length_exceeded");
}

TEST(ChatHandler, FailureBeforeTheFirstDeltaIsAPlainErrorEvenWhenStreaming) {
  World w;
  Error busy = Error::unavailable("overloaded: try again");
  busy.http_status = 503;
  w.backend->chat_script = {failed(busy)};
  auto ex = testing::post(w.router, kPath, chat_body(R"("stream":true)"));
  const http::Response* r = ex.response();
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->status, 503);
  EXPECT_FALSE(r->stream);
  expect_valid(r->body, "ErrorResponse");
  ASSERT_EQ(w.hook->finished().size(), 1u);
  EXPECT_EQ(w.hook->finished()[0].http_status, 503);
}

TEST(ChatHandler, FailureMidStreamIsAnErrorFrameThenTheEnd) {
  World w;
  w.backend->chat_script = {delta({.index = 0, .role = true, .content = "Once"}),
                            failed(Error::internal("engine failure"), {.prompt_tokens = 7, .completion_tokens = 1})};
  auto ex = testing::post(w.router, kPath, chat_body(R"("stream":true)"));
  ASSERT_NE(ex.response(), nullptr);
  EXPECT_EQ(ex.response()->status, 200);
  ASSERT_TRUE(ex.read_to_end());
  const auto payloads = sse_payloads(ex.streamed());
  ASSERT_EQ(payloads.size(), 2u);
  EXPECT_NE(payloads.back().find(R"("type":"server_error")"), std::string::npos);
  check_chat_stream(ex.streamed(), /*expect_done=*/false);
  ASSERT_EQ(w.hook->finished().size(), 1u);
  EXPECT_EQ(w.hook->finished()[0].http_status, 500);
  EXPECT_EQ(w.hook->finished()[0].usage.completion_tokens, 1);
}

TEST(ChatHandler, ClientDisconnectCancelsTheBackendAndEndsTheCallAsCancelled) {
  World w;
  w.backend->manual = true;
  w.backend->chat_script = {delta({.index = 0, .role = true, .content = "Once"}),
                            finished({.prompt_tokens = 7, .completion_tokens = 2})};
  auto ex = testing::post(w.router, kPath, chat_body(R"("stream":true)"));
  ASSERT_TRUE(w.backend->release_next());
  ASSERT_NE(ex.response(), nullptr);
  ASSERT_TRUE(ex.read_until("Once"));
  EXPECT_TRUE(w.backend->cancelled.empty());
  ex.disconnect();
  ASSERT_EQ(w.backend->cancelled.size(), 1u);
  EXPECT_EQ(w.backend->cancelled[0], 1u);
  EXPECT_TRUE(w.hook->finished().empty()) << "the call ends with the backend's kFinished, not before";
  ASSERT_TRUE(w.backend->release_next());  // the backend's kFinished after cancel, with what it processed
  const auto results = w.hook->finished();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].cancelled);
  EXPECT_EQ(results[0].usage.completion_tokens, 2);
}

TEST(ChatHandler, DoneWaitsForTheTicketsToFinish) {
  World w({.headers = {{"x-ratelimit-remaining-requests", "9"}}, .hold_finish = true});
  w.backend->chat_script = {delta({.index = 0, .role = true, .content = "Hi", .finish_reason = FinishReason::kStop}),
                            finished({.prompt_tokens = 7, .completion_tokens = 1})};
  auto ex = testing::post(w.router, kPath, chat_body(R"("stream":true,"stream_options":{"include_usage":true})"));
  ASSERT_NE(ex.response(), nullptr);
  ASSERT_EQ(w.hook->finished().size(), 1u);  // finish was called …
  // … but the tail waits for it: the deltas are queued (the scripted backend is synchronous), the usage chunk and
  // [DONE] are not.
  EXPECT_FALSE(ex.pull());
  EXPECT_EQ(ex.streamed().find("[DONE]"), std::string::npos);
  EXPECT_EQ(ex.streamed().find(R"("choices":[])"), std::string::npos);
  EXPECT_NE(ex.streamed().find("Hi"), std::string::npos);
  ASSERT_TRUE(w.hook->release_finish());
  ASSERT_TRUE(ex.read_to_end());
  EXPECT_EQ(sse_payloads(ex.streamed()).back(), "[DONE]");
  EXPECT_NE(ex.streamed().find(R"("choices":[],"usage":{)"), std::string::npos);

  // Non-streaming: no response at all until the ledger is done.
  auto plain = testing::post(w.router, kPath, chat_body());
  EXPECT_FALSE(plain.ready());
  ASSERT_TRUE(w.hook->release_finish());
  ASSERT_NE(plain.response(), nullptr);
  EXPECT_EQ(plain.response()->status, 200);
}

TEST(ChatHandler, ABackendThatDropsItsSinkStillGetsTheClientAnAnswer) {
  World w;
  w.backend->chat_script = {};  // accepts the call, then forgets it: no kFinished ever
  auto ex = testing::post(w.router, kPath, chat_body());
  const http::Response* r = ex.response();
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->status, 500);
  expect_valid(r->body, "ErrorResponse");
  ASSERT_EQ(w.hook->finished().size(), 1u);
  EXPECT_EQ(w.hook->finished()[0].http_status, 500);

  w.backend->chat_script = {delta({.index = 0, .role = true, .content = "a"})};
  auto streamed = testing::post(w.router, kPath, chat_body(R"("stream":true)"));
  ASSERT_NE(streamed.response(), nullptr);
  ASSERT_TRUE(streamed.read_to_end());
  const auto payloads = sse_payloads(streamed.streamed());
  ASSERT_EQ(payloads.size(), 2u);
  EXPECT_NE(payloads[1].find("server_error"), std::string::npos);
}

TEST(ChatHandler, AClientTooSlowForTheQueueIsTreatedAsGone) {
  World w({.headers = {}}, false, /*queue_events=*/2);
  w.backend->manual = true;
  w.backend->chat_script = {delta({.index = 0, .role = true, .content = "a"}), delta({.index = 0, .content = "b"}),
                            delta({.index = 0, .content = "c"}),
                            finished({.prompt_tokens = 7, .completion_tokens = 3})};
  auto ex = testing::post(w.router, kPath, chat_body(R"("stream":true)"));
  w.backend->release_all();  // the client reads nothing meanwhile
  ASSERT_NE(ex.response(), nullptr);
  EXPECT_EQ(w.backend->cancelled.size(), 1u);
  ASSERT_EQ(w.hook->finished().size(), 1u);
  EXPECT_TRUE(w.hook->finished()[0].cancelled);
}

}  // namespace
}  // namespace sovra::api::openai
