#include "routing/upstream_backend.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <mutex>
#include <optional>

#include "common/json.hpp"
#include "routing/mock_upstream.hpp"
#include "support/eventually.hpp"

namespace sovra::routing {
namespace {

using test::Gate;
using test::MockConnection;
using test::MockRequest;
using test::MockUpstream;

struct Collector {
  std::mutex mu;
  std::vector<api::ChatEvent> events;

  api::ChatSink sink() {
    return [this](api::ChatEvent&& e) {
      std::lock_guard lock(mu);
      events.push_back(std::move(e));
    };
  }
  std::size_t deltas() {
    std::lock_guard lock(mu);
    std::size_t n = 0;
    for (const auto& e : events) n += e.kind == api::ChatEvent::Kind::kDelta ? 1 : 0;
    return n;
  }
  bool finished() {
    std::lock_guard lock(mu);
    return !events.empty() && events.back().kind == api::ChatEvent::Kind::kFinished;
  }
  api::ChatEvent last() {
    std::lock_guard lock(mu);
    return events.back();
  }
  std::string text() {
    std::lock_guard lock(mu);
    std::string out;
    for (const auto& e : events) out += e.delta.content.value_or("");
    return out;
  }
  bool wait_finished() { return test::eventually([&] { return finished(); }); }
};

struct Options {
  std::int64_t max_retries = 2;
  std::int64_t budget_percent = 20;
  std::int64_t first_byte_ms = 5000;
  std::int64_t idle_ms = 5000;
  std::shared_ptr<const ModelVocabulary> vocabulary;
};

std::shared_ptr<UpstreamBackend> backend_for(const std::string& url, Options o = {}) {
  auto ep = parse_base_url(url);
  EXPECT_TRUE(ep.has_value());
  auto client = UpstreamClient::create(*ep, {.connect_timeout_ms = 2000,
                                             .first_byte_timeout_ms = o.first_byte_ms,
                                             .idle_timeout_ms = o.idle_ms});
  EXPECT_TRUE(client.has_value());
  return UpstreamBackend::create(*client, {.deployment = "mock",
                                           .upstream_model = "upstream-name",
                                           .api_key = "sk-up",
                                           .max_retries = o.max_retries,
                                           .retry_budget_percent = o.budget_percent,
                                           .vocabulary = o.vocabulary});
}

api::ChatRequest hello() {
  api::ChatRequest r;
  r.model = "client-name";
  r.messages.push_back({.role = api::Role::kUser, .content = "Say hello", .has_content = true});
  r.params.max_tokens = 16;
  return r;
}

void full_stream(MockConnection& c) {
  c.write(test::sse_head() + test::sse_event(test::chat_chunk("Hel")) + test::sse_event(test::chat_chunk("lo", "stop")) +
          test::sse_event(test::usage_chunk(5, 2)) + test::sse_event("[DONE]") + test::chunked_end());
}

TEST(UpstreamBackend, RelaysEachChunkBeforeTheUpstreamFinishes) {
  Gate rest;
  MockUpstream mock([&](MockConnection& c, const MockRequest&) {
    c.write(test::sse_head() + test::sse_event(test::chat_chunk("Hel")));
    rest.wait();
    c.write(test::sse_event(test::chat_chunk("lo", "stop")) + test::sse_event(test::usage_chunk(5, 2)) +
            test::sse_event("[DONE]") + test::chunked_end());
  });
  auto b = backend_for(mock.base_url());
  Collector out;
  ASSERT_TRUE(b->start_chat(hello(), out.sink()).has_value());
  // The first delta arrives while the upstream is still holding back the rest.
  ASSERT_TRUE(test::eventually([&] { return out.deltas() == 1; }));
  EXPECT_FALSE(out.finished());
  rest.open();
  ASSERT_TRUE(out.wait_finished());
  EXPECT_EQ(out.text(), "Hello");
  {
    std::lock_guard lock(out.mu);
    EXPECT_TRUE(out.events[0].delta.role);
    EXPECT_FALSE(out.events[1].delta.role);
    EXPECT_EQ(out.events[1].delta.finish_reason, api::FinishReason::kStop);
  }
  const auto end = out.last();
  EXPECT_FALSE(end.error.has_value());
  EXPECT_EQ(end.usage.prompt_tokens, 5);
  EXPECT_EQ(end.usage.completion_tokens, 2);
  EXPECT_EQ(end.usage.cached_prompt_tokens, 2);

  // What the upstream received: its own model name, streaming with the usage chunk, our key.
  const auto req = mock.received().at(0);
  EXPECT_EQ(req.target, "/v1/chat/completions");
  EXPECT_NE(req.head.find("authorization: Bearer sk-up"), std::string::npos) << req.head;
  auto body = parse_json(req.body);
  ASSERT_TRUE(body.has_value());
  const auto& o = body->as_object();
  EXPECT_EQ(o.at("model").as_string(), "upstream-name");
  EXPECT_TRUE(o.at("stream").as_bool());
  EXPECT_TRUE(o.at("stream_options").as_object().at("include_usage").as_bool());
  EXPECT_EQ(o.at("max_tokens").as_int64(), 16);
  EXPECT_EQ(o.at("messages").as_array()[0].as_object().at("content").as_string(), "Say hello");
}

TEST(UpstreamBackend, EstimatesUsageWhenTheUpstreamSendsNone) {
  MockUpstream mock([](MockConnection& c, const MockRequest&) {
    c.write(test::sse_head() + test::sse_event(test::chat_chunk("12345678", "stop")) + test::sse_event("[DONE]") +
            test::chunked_end());
  });
  auto b = backend_for(mock.base_url());
  Collector out;
  ASSERT_TRUE(b->start_chat(hello(), out.sink()).has_value());
  ASSERT_TRUE(out.wait_finished());
  EXPECT_FALSE(out.last().error.has_value());
  EXPECT_EQ(out.last().usage.completion_tokens, 2);  // 8 bytes / 4
  EXPECT_GT(out.last().usage.prompt_tokens, 0);
}

std::filesystem::path shared_model(const std::string& file) {
  return std::filesystem::path(SOVRA_SHARED_DIR) / "models" / file;
}

std::shared_ptr<const ModelVocabulary> open_vocabulary(const std::string& file) {
  auto v = ModelVocabulary::open("m", shared_model(file));
  EXPECT_TRUE(v.has_value()) << (v ? "" : v.error().message);
  return v ? *v : nullptr;
}

#define REQUIRE_MODEL(file) \
  if (!std::filesystem::exists(shared_model(file))) GTEST_SKIP() << shared_model(file) << " is absent (../shared)"

std::string chat_chunk_at(int index, std::string_view delta_json, const char* finish) {
  const std::string fr = finish ? std::string("\"") + finish + "\"" : "null";
  return R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"up","choices":[{"index":)" +
         std::to_string(index) + R"(,"delta":)" + std::string(delta_json) + R"(,"finish_reason":)" + fr + "}]}";
}

// An upstream that reports no usage (older servers ignore stream_options.include_usage): with the deployment's
// tokenizer, the prompt is counted as the model's chat template renders it and each choice's relayed text as the
// tokenizer splits it, plus one token for a choice that ended other than at max_tokens; reasoning is counted apart.
TEST(UpstreamBackend, CountsUsageWithTheTokenizerWhenTheUpstreamSendsNone) {
  REQUIRE_MODEL("stories260K-chat.gguf");
  MockUpstream mock([](MockConnection& c, const MockRequest&) {
    c.write(test::sse_head() + test::sse_event(test::chat_chunk("Once upon a time")) +
            test::sse_event(chat_chunk_at(1, R"({"reasoning_content":"the girl saw"})", nullptr)) +
            test::sse_event(chat_chunk_at(1, R"({"content":"a big dog"})", "length")) +
            test::sse_event(test::chat_chunk(" there was a girl", "stop")) + test::sse_event("[DONE]") +
            test::chunked_end());
  });
  const auto vocab = open_vocabulary("stories260K-chat.gguf");
  ASSERT_TRUE(vocab && vocab->has_chat_template());
  auto b = backend_for(mock.base_url(), {.vocabulary = vocab});
  api::ChatRequest request = hello();
  request.params.n = 2;
  Collector out;
  ASSERT_TRUE(b->start_chat(request, out.sink()).has_value());
  ASSERT_TRUE(out.wait_finished());
  ASSERT_FALSE(out.last().error.has_value());

  auto prompt = vocab->chat_prompt_tokens(hello(), false);
  ASSERT_TRUE(prompt.has_value());
  const auto tokens = [&](std::string_view text) {
    return static_cast<std::int64_t>(vocab->tokenize(text, false, false).size());
  };
  const std::int64_t reasoning = tokens("the girl saw");
  const std::int64_t completion = tokens("Once upon a time there was a girl") + 1 + tokens("a big dog") + reasoning;
  const auto usage = out.last().usage;
  EXPECT_EQ(usage.prompt_tokens, static_cast<std::int64_t>(prompt->size()));
  EXPECT_EQ(usage.completion_tokens, completion);
  EXPECT_EQ(usage.reasoning_tokens, reasoning);
  // Not the byte estimate: the tokenizer's counts differ from bytes / 4 here.
  const auto relayed_bytes = static_cast<std::int64_t>(std::string("Once upon a time there was a girl").size() +
                                                       std::string("the girl sawa big dog").size());
  EXPECT_NE(usage.completion_tokens, (relayed_bytes + 3) / 4);

  // Admission and Anthropic's count_tokens see the same exact prompt count.
  auto count = b->count_chat_tokens(hello());
  ASSERT_TRUE(count.has_value());
  EXPECT_TRUE(count->exact);
  EXPECT_EQ(count->tokens, static_cast<std::int64_t>(prompt->size()));
}

TEST(UpstreamBackend, TheUpstreamsUsageWinsOverTheTokenizer) {
  REQUIRE_MODEL("stories260K-chat.gguf");
  MockUpstream mock([](MockConnection& c, const MockRequest&) { full_stream(c); });
  auto b = backend_for(mock.base_url(), {.vocabulary = open_vocabulary("stories260K-chat.gguf")});
  Collector out;
  ASSERT_TRUE(b->start_chat(hello(), out.sink()).has_value());
  ASSERT_TRUE(out.wait_finished());
  EXPECT_EQ(out.last().usage.prompt_tokens, 5);
  EXPECT_EQ(out.last().usage.completion_tokens, 2);
}

TEST(UpstreamBackend, WithoutATokenizerThePromptCountIsAnEstimate) {
  auto b = backend_for("http://127.0.0.1:9/v1");
  auto count = b->count_chat_tokens(hello());
  ASSERT_TRUE(count.has_value());
  EXPECT_FALSE(count->exact);
  EXPECT_GT(count->tokens, 0);
}

// A completion's prompts (text and token ids) counted with a vocabulary-only GGUF (no weights, no chat template).
TEST(UpstreamBackend, CountsATextCompletionWithAVocabularyOnlyFile) {
  REQUIRE_MODEL("vocab/ggml-vocab-llama-spm.gguf");
  MockUpstream mock([](MockConnection& c, const MockRequest&) {
    c.write(test::sse_head() +
            test::sse_event(R"({"choices":[{"index":0,"text":" jumps over the lazy dog","finish_reason":"length"}]})") +
            test::sse_event("[DONE]") + test::chunked_end());
  });
  const auto vocab = open_vocabulary("vocab/ggml-vocab-llama-spm.gguf");
  ASSERT_TRUE(vocab);
  EXPECT_FALSE(vocab->has_chat_template());
  auto b = backend_for(mock.base_url(), {.vocabulary = vocab});
  std::mutex mu;
  std::optional<api::Usage> usage;
  api::TextCompletionRequest req{.model = "m",
                                 .prompts = {std::string("The quick brown fox"), std::vector<std::int32_t>{1, 2, 3}}};
  ASSERT_TRUE(b->start_text(req, [&](api::TextEvent&& e) {
                 std::lock_guard lock(mu);
                 if (e.kind == api::TextEvent::Kind::kFinished) usage = e.usage;
               }).has_value());
  ASSERT_TRUE(test::eventually([&] {
    std::lock_guard lock(mu);
    return usage.has_value();
  }));
  std::lock_guard lock(mu);
  EXPECT_EQ(usage->prompt_tokens,
            static_cast<std::int64_t>(vocab->tokenize("The quick brown fox", true, false).size()) + 3);
  EXPECT_EQ(usage->completion_tokens,
            static_cast<std::int64_t>(vocab->tokenize(" jumps over the lazy dog", false, false).size()));
  // A chat prompt cannot be rendered without a template: admission falls back to the estimate.
  auto count = b->count_chat_tokens(hello());
  ASSERT_TRUE(count.has_value());
  EXPECT_FALSE(count->exact);
}

TEST(UpstreamBackend, AcceptsANonStreamingAnswer) {
  MockUpstream mock([](MockConnection& c, const MockRequest&) {
    c.write(test::json_response(
        200, R"({"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"length"}],"usage":{"prompt_tokens":3,"completion_tokens":1}})"));
  });
  auto b = backend_for(mock.base_url());
  Collector out;
  ASSERT_TRUE(b->start_chat(hello(), out.sink()).has_value());
  ASSERT_TRUE(out.wait_finished());
  EXPECT_EQ(out.text(), "Hi");
  EXPECT_EQ(out.last().usage.prompt_tokens, 3);
}

// Answers far larger than one read's body buffer (which starts at 1 KiB and grows with the connection's buffer up
// to 16 KiB) arrive whole and in order: a 200 KB non-streamed answer in one write, then on the same keep-alive
// connection a burst of 300 events of ~700 bytes followed by a trickle of small ones.
TEST(UpstreamBackend, AnswersLargerThanTheReadBuffersArriveWhole) {
  std::string big(200 * 1000, 'x');
  for (std::size_t i = 0; i < big.size(); i += 97) big[i] = static_cast<char>('a' + i % 26);
  std::string piece(700, 'y');
  std::atomic<int> calls{0};
  Gate trickle;
  MockUpstream mock([&](MockConnection& c, const MockRequest&) {
    if (calls++ == 0) {
      c.write(test::json_response(200, R"({"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":")" +
                                           big + R"("},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}})"));
      return;
    }
    std::string burst = test::sse_head();
    for (int i = 0; i < 300; ++i) burst += test::sse_event(test::chat_chunk(std::to_string(i % 10) + piece));
    c.write(burst);
    trickle.wait();
    for (int i = 0; i < 5; ++i) c.write(test::sse_event(test::chat_chunk("z")));
    c.write(test::sse_event(test::chat_chunk("", "stop")) + test::sse_event(test::usage_chunk(5, 305)) +
            test::sse_event("[DONE]") + test::chunked_end());
  });
  auto b = backend_for(mock.base_url());
  Collector first;
  ASSERT_TRUE(b->start_chat(hello(), first.sink()).has_value());
  ASSERT_TRUE(first.wait_finished());
  EXPECT_FALSE(first.last().error.has_value());
  EXPECT_EQ(first.text(), big);

  Collector second;
  ASSERT_TRUE(b->start_chat(hello(), second.sink()).has_value());
  ASSERT_TRUE(test::eventually([&] { return second.deltas() >= 300; }));
  trickle.open();
  ASSERT_TRUE(second.wait_finished());
  EXPECT_FALSE(second.last().error.has_value());
  std::string want;
  for (int i = 0; i < 300; ++i) want += std::to_string(i % 10) + piece;
  want += "zzzzz";
  EXPECT_EQ(second.text(), want);
  EXPECT_EQ(mock.connections(), 1) << "the second call reused the first one's connection";
}

TEST(UpstreamBackend, RetriesWhenTheUpstreamFailsBeforeTheFirstByte) {
  std::atomic<int> n{0};
  MockUpstream mock([&](MockConnection& c, const MockRequest&) {
    if (n++ == 0) return c.close();  // accepted, read the request, closed without a byte
    full_stream(c);
  });
  auto b = backend_for(mock.base_url());
  Collector out;
  ASSERT_TRUE(b->start_chat(hello(), out.sink()).has_value());
  ASSERT_TRUE(out.wait_finished());
  EXPECT_FALSE(out.last().error.has_value()) << out.last().error->message;
  EXPECT_EQ(out.text(), "Hello");
  EXPECT_EQ(mock.requests(), 2);
  EXPECT_EQ(b->retries(), 1);
}

TEST(UpstreamBackend, NeverRetriesOnceTheAnswerBegan) {
  MockUpstream mock([](MockConnection& c, const MockRequest&) {
    c.write(test::sse_head() + test::sse_event(test::chat_chunk("Hel")));
    c.close();  // broken off mid-stream
  });
  auto b = backend_for(mock.base_url());
  Collector out;
  ASSERT_TRUE(b->start_chat(hello(), out.sink()).has_value());
  ASSERT_TRUE(out.wait_finished());
  ASSERT_TRUE(out.last().error.has_value());
  EXPECT_EQ(out.last().error->status(), 502);
  EXPECT_NE(out.last().error->message.find("broke off"), std::string::npos) << out.last().error->message;
  EXPECT_EQ(out.text(), "Hel");
  EXPECT_EQ(mock.requests(), 1);
  EXPECT_EQ(b->retries(), 0);
}

TEST(UpstreamBackend, RetryBudgetCapsRetries) {
  MockUpstream mock([](MockConnection& c, const MockRequest&) { c.close(); });
  auto b = backend_for(mock.base_url(), {.max_retries = 10, .budget_percent = 0});
  Collector first;
  ASSERT_TRUE(b->start_chat(hello(), first.sink()).has_value());
  ASSERT_TRUE(first.wait_finished());
  ASSERT_TRUE(first.last().error.has_value());
  EXPECT_NE(first.last().error->message.find("without answering"), std::string::npos) << first.last().error->message;
  EXPECT_EQ(mock.requests(), 4);  // 1 + the reserve of 3 retries
  Collector second;
  ASSERT_TRUE(b->start_chat(hello(), second.sink()).has_value());
  ASSERT_TRUE(second.wait_finished());
  EXPECT_EQ(mock.requests(), 5);  // budget spent: no retry
}

TEST(UpstreamBackend, UpstreamErrorsBecomeClearErrorsWithoutRetry) {
  MockUpstream mock([](MockConnection& c, const MockRequest& r) {
    if (r.body.find("\"temperature\":2") != std::string::npos) {
      c.write(test::json_response(400, R"({"error":{"message":"temperature too high","param":"temperature"}})"));
    } else {
      c.write(test::json_response(500, R"({"error":{"message":"CUDA out of memory"}})"));
    }
  });
  auto b = backend_for(mock.base_url());
  auto req = hello();
  req.params.temperature = 2;
  Collector bad;
  ASSERT_TRUE(b->start_chat(req, bad.sink()).has_value());
  ASSERT_TRUE(bad.wait_finished());
  ASSERT_TRUE(bad.last().error.has_value());
  EXPECT_EQ(bad.last().error->status(), 400);
  EXPECT_EQ(bad.last().error->param, "temperature");
  EXPECT_NE(bad.last().error->message.find("temperature too high"), std::string::npos);
  Collector down;
  ASSERT_TRUE(b->start_chat(hello(), down.sink()).has_value());
  ASSERT_TRUE(down.wait_finished());
  ASSERT_TRUE(down.last().error.has_value());
  EXPECT_EQ(down.last().error->status(), 502);
  EXPECT_NE(down.last().error->message.find("HTTP 500"), std::string::npos);
  EXPECT_EQ(mock.requests(), 2);
}

TEST(UpstreamBackend, GarbageInTheStreamIsAClearError) {
  MockUpstream mock([](MockConnection& c, const MockRequest&) {
    c.write(test::sse_head() + test::sse_event(test::chat_chunk("ok")) + test::sse_event("{not json") +
            test::chunked_end());
  });
  auto b = backend_for(mock.base_url());
  Collector out;
  ASSERT_TRUE(b->start_chat(hello(), out.sink()).has_value());
  ASSERT_TRUE(out.wait_finished());
  ASSERT_TRUE(out.last().error.has_value());
  EXPECT_NE(out.last().error->message.find("invalid stream chunk"), std::string::npos) << out.last().error->message;
  EXPECT_TRUE(test::eventually([&] { return b->client().open_connections() == 0; }));
}

TEST(UpstreamBackend, FirstByteAndIdleTimeouts) {
  Gate release;
  MockUpstream mock([&](MockConnection& c, const MockRequest& r) {
    if (r.body.find("stall-mid") != std::string::npos) c.write(test::sse_head() + test::sse_event(test::chat_chunk("a")));
    release.wait();
  });
  auto b = backend_for(mock.base_url(), {.max_retries = 0, .first_byte_ms = 200, .idle_ms = 200});
  Collector silent;
  ASSERT_TRUE(b->start_chat(hello(), silent.sink()).has_value());
  ASSERT_TRUE(silent.wait_finished());
  ASSERT_TRUE(silent.last().error.has_value());
  EXPECT_EQ(silent.last().error->status(), 504);
  EXPECT_NE(silent.last().error->message.find("no response within 200 ms"), std::string::npos);

  auto req = hello();
  req.messages[0].content = "stall-mid";
  Collector stalled;
  ASSERT_TRUE(b->start_chat(req, stalled.sink()).has_value());
  ASSERT_TRUE(stalled.wait_finished());
  EXPECT_EQ(stalled.deltas(), 1u);
  ASSERT_TRUE(stalled.last().error.has_value());
  EXPECT_NE(stalled.last().error->message.find("stalled for more than 200 ms"), std::string::npos);
  EXPECT_TRUE(test::eventually([&] { return b->client().open_connections() == 0; }));
  release.open();
}

TEST(UpstreamBackend, ConnectFailureIsRetriedThenReported) {
  std::string url;
  {
    MockUpstream closed([](MockConnection&, const MockRequest&) {});
    url = closed.base_url();
  }  // nothing listens there now
  auto b = backend_for(url);
  Collector out;
  ASSERT_TRUE(b->start_chat(hello(), out.sink()).has_value());
  ASSERT_TRUE(out.wait_finished());
  ASSERT_TRUE(out.last().error.has_value());
  EXPECT_NE(out.last().error->message.find("cannot connect"), std::string::npos) << out.last().error->message;
  EXPECT_EQ(b->retries(), 2);
}

TEST(UpstreamBackend, KeepAliveReusesOneConnection) {
  MockUpstream mock([](MockConnection& c, const MockRequest&) { full_stream(c); });
  auto b = backend_for(mock.base_url());
  for (int i = 0; i < 3; ++i) {
    Collector out;
    ASSERT_TRUE(b->start_chat(hello(), out.sink()).has_value());
    ASSERT_TRUE(out.wait_finished());
    EXPECT_FALSE(out.last().error.has_value());
  }
  EXPECT_EQ(mock.requests(), 3);
  EXPECT_EQ(mock.connections(), 1);
  EXPECT_EQ(b->client().open_connections(), 1);
  EXPECT_EQ(b->client().idle_connections(), 1);
}

TEST(UpstreamBackend, StaleKeepAliveConnectionIsReplacedTransparently) {
  MockUpstream mock([](MockConnection& c, const MockRequest&) {
    full_stream(c);
    c.close();  // the server drops the idle connection (no Connection: close announced)
  });
  auto b = backend_for(mock.base_url(), {.max_retries = 0});
  for (int i = 0; i < 2; ++i) {
    Collector out;
    ASSERT_TRUE(b->start_chat(hello(), out.sink()).has_value());
    ASSERT_TRUE(out.wait_finished());
    EXPECT_FALSE(out.last().error.has_value()) << out.last().error->message;
  }
  EXPECT_EQ(mock.requests(), 2);
}

TEST(UpstreamBackend, CancelClosesTheUpstreamStream) {
  Gate release;
  MockUpstream mock([&](MockConnection& c, const MockRequest&) {
    c.write(test::sse_head() + test::sse_event(test::chat_chunk("a")));
    release.wait();
  });
  auto b = backend_for(mock.base_url());
  Collector out;
  auto id = b->start_chat(hello(), out.sink());
  ASSERT_TRUE(id.has_value());
  ASSERT_TRUE(test::eventually([&] { return out.deltas() == 1; }));
  b->cancel(*id);
  b->cancel(*id);
  b->cancel(12345);
  ASSERT_TRUE(out.wait_finished());
  EXPECT_FALSE(out.last().error.has_value());
  EXPECT_TRUE(test::eventually([&] { return b->client().open_connections() == 0; }));
  EXPECT_EQ(b->calls_in_flight(), 0);
  release.open();
}

TEST(UpstreamBackend, TextCompletionsStream) {
  MockUpstream mock([](MockConnection& c, const MockRequest&) {
    c.write(test::sse_head() +
            test::sse_event(R"({"choices":[{"index":0,"text":"foo","finish_reason":null}]})") +
            test::sse_event(R"({"choices":[{"index":0,"text":"bar","finish_reason":"length"}]})") +
            test::sse_event("[DONE]") + test::chunked_end());
  });
  auto b = backend_for(mock.base_url());
  std::mutex mu;
  std::string text;
  bool done = false;
  api::TextCompletionRequest req{.model = "m", .prompts = {std::string("hi")}};
  ASSERT_TRUE(b->start_text(req, [&](api::TextEvent&& e) {
                 std::lock_guard lock(mu);
                 text += e.delta.text;
                 done = done || e.kind == api::TextEvent::Kind::kFinished;
               }).has_value());
  ASSERT_TRUE(test::eventually([&] {
    std::lock_guard lock(mu);
    return done;
  }));
  EXPECT_EQ(text, "foobar");
  EXPECT_EQ(mock.received().at(0).target, "/v1/completions");
}

}  // namespace
}  // namespace sovra::routing

namespace sovra::routing {
namespace {

TEST(UpstreamBackend, EmbeddingsAndRerankThroughTheUpstream) {
  MockUpstream mock([](MockConnection& c, const MockRequest& r) {
    if (r.target == "/v1/embeddings") {
      c.write(test::json_response(
          200, R"({"data":[{"index":1,"embedding":[0.5,0.25]},{"index":0,"embedding":[1,0]}],"usage":{"prompt_tokens":4}})"));
    } else if (r.target == "/v1/rerank") {
      c.write(test::json_response(200, R"({"results":[{"index":1,"relevance_score":0.9},{"index":0,"relevance_score":0.1}]})"));
    } else {
      c.write(test::json_response(404, "{}"));
    }
  });
  auto b = backend_for(mock.base_url());
  std::mutex mu;
  std::optional<Result<api::EmbeddingResult>> emb;
  b->embed({.model = "e", .inputs = {std::string("a"), std::string("b")}}, [&](Result<api::EmbeddingResult> r) {
    std::lock_guard lock(mu);
    emb = std::move(r);
  });
  ASSERT_TRUE(test::eventually([&] {
    std::lock_guard lock(mu);
    return emb.has_value();
  }));
  ASSERT_TRUE(emb->has_value()) << emb->error().message;
  EXPECT_EQ((*emb)->embeddings[0], (std::vector<float>{1, 0}));
  EXPECT_EQ((*emb)->embeddings[1], (std::vector<float>{0.5f, 0.25f}));
  EXPECT_EQ((*emb)->prompt_tokens, 4);
  EXPECT_NE(mock.received().at(0).body.find("\"model\":\"upstream-name\""), std::string::npos);

  std::optional<Result<api::RerankResult>> rr;
  b->rerank({.model = "r", .query = "q", .documents = {"x", "y"}}, [&](Result<api::RerankResult> r) {
    std::lock_guard lock(mu);
    rr = std::move(r);
  });
  ASSERT_TRUE(test::eventually([&] {
    std::lock_guard lock(mu);
    return rr.has_value();
  }));
  ASSERT_TRUE(rr->has_value()) << rr->error().message;
  EXPECT_EQ((*rr)->scores, (std::vector<float>{0.1f, 0.9f}));

  // An answer with the wrong number of embeddings is a clear error.
  std::optional<Result<api::EmbeddingResult>> short_answer;
  b->embed({.model = "e", .inputs = {std::string("a"), std::string("b"), std::string("c")}},
           [&](Result<api::EmbeddingResult> r) {
             std::lock_guard lock(mu);
             short_answer = std::move(r);
           });
  ASSERT_TRUE(test::eventually([&] {
    std::lock_guard lock(mu);
    return short_answer.has_value();
  }));
  ASSERT_FALSE(short_answer->has_value());
  EXPECT_EQ(short_answer->error().status(), 502);
}

}  // namespace
}  // namespace sovra::routing

namespace sovra::routing {
namespace {

TEST(UpstreamBackend, MisbehavingUpstreamsLeakNoConnections) {
  std::atomic<int> n{0};
  MockUpstream mock([&](MockConnection& c, const MockRequest&) {
    switch (n++ % 5) {
      case 0: full_stream(c); break;                                                  // fine, kept alive
      case 1: c.write(test::json_response(500, R"({"error":{"message":"boom"}})")); break;  // error, kept alive
      case 2: c.write(test::sse_head() + test::sse_event("garbage")); break;           // bad chunk: we close
      case 3: c.write(test::sse_head() + test::sse_event(test::chat_chunk("x"))); c.close(); break;  // early close
      default: c.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 5\r\n\r\nda"); c.close();
    }
  });
  auto b = backend_for(mock.base_url(), {.max_retries = 0});
  for (int i = 0; i < 25; ++i) {
    Collector out;
    ASSERT_TRUE(b->start_chat(hello(), out.sink()).has_value());
    ASSERT_TRUE(out.wait_finished()) << i;
    EXPECT_EQ(out.last().error.has_value(), i % 5 != 0) << i;
  }
  // Every connection still open is an idle pooled one, and the upstream sees no more than that.
  EXPECT_TRUE(test::eventually([&] { return b->client().open_connections() == b->client().idle_connections(); }));
  EXPECT_LE(b->client().open_connections(), 2);
  EXPECT_TRUE(test::eventually([&] { return mock.open_connections() == b->client().open_connections(); }));
  EXPECT_EQ(b->calls_in_flight(), 0);
}

TEST(UpstreamBackend, AnOversizedEventIsRefused) {
  MockUpstream mock([](MockConnection& c, const MockRequest&) {
    c.write(test::sse_head());
    const std::string piece(1 << 20, 'x');
    std::string frame = "data: ";
    for (int i = 0; i < 9; ++i) frame += piece;  // 9 MiB, no end of line
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", frame.size());
    c.write(size + frame + "\r\n");
  });
  auto b = backend_for(mock.base_url());
  Collector out;
  ASSERT_TRUE(b->start_chat(hello(), out.sink()).has_value());
  ASSERT_TRUE(out.wait_finished());
  ASSERT_TRUE(out.last().error.has_value());
  EXPECT_NE(out.last().error->message.find("larger than"), std::string::npos) << out.last().error->message;
  EXPECT_TRUE(test::eventually([&] { return b->client().open_connections() == 0; }));
}

}  // namespace
}  // namespace sovra::routing
