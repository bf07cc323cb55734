// The OpenAI inference routes behind the real HTTP server (port 0, in process): the deferred head, the SSE body,
// and a client that closes its socket mid-stream, which must reach the backend as cancel(id).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <thread>

#include "api/openai/handler_world.hpp"
#include "api/openai/server_world.hpp"
#include "api/openai/sse_checks.hpp"
#include "support/eventually.hpp"
#include "support/raw_http.hpp"

namespace sovra::api::openai {
namespace {

using testing::HandlerWorld;

ChatEvent delta(ChatDelta d) { return ChatEvent{.kind = ChatEvent::Kind::kDelta, .delta = std::move(d)}; }
ChatEvent finished(Usage u) { return ChatEvent{.kind = ChatEvent::Kind::kFinished, .usage = u}; }

std::string post_request(std::string_view body) {
  return fmt::format(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
      body.size(), body);
}

TEST(ServerStream, StreamedAndPlainResponsesOverTheWire) {
  HandlerWorld w;
  w.backend->chat_script = {delta({.index = 0, .role = true, .content = "Hi", .finish_reason = FinishReason::kStop}),
                            finished({.prompt_tokens = 7, .completion_tokens = 1})};
  testing::ServerWorld server(w.router);
  ASSERT_GT(server.port(), 0) << server.error();
  const auto plain = test::http_request(server.port(), "POST", "/v1/chat/completions",
                                        R"({"model":"stories","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(plain.header("x-ratelimit-remaining-requests"), "9");
  testing::expect_valid(plain.body, "CreateChatCompletionResponse");

  const auto streamed = test::http_request(
      server.port(), "POST", "/v1/chat/completions",
      R"({"model":"stories","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(streamed.status, 200);
  EXPECT_EQ(streamed.header("content-type"), "text/event-stream");
  EXPECT_EQ(streamed.header("x-ratelimit-remaining-requests"), "9");
  const auto payloads = testing::sse_payloads(streamed.body);
  ASSERT_EQ(payloads.size(), 3u) << streamed.body;
  EXPECT_EQ(payloads.back(), "[DONE]");
}

TEST(ServerStream, ClosingTheSocketMidStreamCancelsTheBackend) {
  HandlerWorld w;
  w.backend->manual = true;
  w.backend->chat_script = {delta({.index = 0, .role = true, .content = "Once"}),
                            finished({.prompt_tokens = 7, .completion_tokens = 5})};
  testing::ServerWorld server(w.router);
  ASSERT_GT(server.port(), 0) << server.error();
  test::RawConnection c(server.port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send(post_request(R"({"model":"stories","stream":true,"messages":[{"role":"user","content":"x"}]})")));
  ASSERT_TRUE(test::eventually([&] { return w.backend->release_next(); }));
  ASSERT_TRUE(c.read_until("Once", std::chrono::seconds(10))) << c.received();
  EXPECT_EQ(w.backend->cancel_count(), 0u);
  c.close();
  ASSERT_TRUE(test::eventually([&] { return w.backend->cancel_count() == 1; }));
  ASSERT_TRUE(w.backend->release_next());  // the backend's kFinished after the cancel
  const auto results = w.hook->finished();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].cancelled);
  EXPECT_EQ(results[0].usage.completion_tokens, 5);
}

}  // namespace
}  // namespace sovra::api::openai
