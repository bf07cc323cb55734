// Golden SSE transcripts of the real engine: `sovra serve` with stories260K-chat at temperature 0, streamed chat and
// legacy completions, compared byte for byte (after normalising ids and timestamps) with tests/api/openai/golden/.
// A kernel or sampler change that alters greedy output, or an encoder change that alters the wire format, shows
// here. Re-record deliberately: the test writes the actual transcript next to gtest's temporary directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "api/openai/sse_checks.hpp"
#include "integration/auth_support.hpp"
#include "support/raw_http.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

const std::string kModel = SOVRA_SHARED_DIR "/models/stories260K-chat.gguf";

TEST(ChatGolden, Stories260KStreamsAtTemperatureZero) {
  if (!std::filesystem::exists(kModel)) GTEST_SKIP() << kModel << " absent";
  ServerProcess server("serve", {"--model", "stories=" + kModel});
  ASSERT_TRUE(server.started()) << server.log();
  const std::map<std::string, std::string> auth{
      {"authorization", "Bearer " + read_file(server.data_dir() + "/data/initial-api-key")}};

  auto chat = http_request(server.port(), "POST", "/v1/chat/completions",
                           R"({"model":"stories","temperature":0,"max_tokens":16,"stream":true,)"
                           R"("stream_options":{"include_usage":true},)"
                           R"("messages":[{"role":"user","content":"Tell me a story about a cat."}]})",
                           "application/json", auth);
  ASSERT_EQ(chat.status, 200) << chat.body;
  sovra::testing::expect_golden("stories260k_chat_stream.sse", sovra::testing::normalise_ids(chat.body));

  auto text = http_request(server.port(), "POST", "/v1/completions",
                           R"({"model":"stories","temperature":0,"max_tokens":12,"stream":true,)"
                           R"("stream_options":{"include_usage":true},"prompt":"Once upon a time"})",
                           "application/json", auth);
  ASSERT_EQ(text.status, 200) << text.body;
  sovra::testing::expect_golden("stories260k_completion_stream.sse", sovra::testing::normalise_ids(text.body));

  // The Anthropic event stream of the same model (message ids normalised like the OpenAI ones).
  auto messages = http_request(server.port(), "POST", "/v1/messages",
                               R"({"model":"stories","temperature":0,"max_tokens":16,"stream":true,)"
                               R"("messages":[{"role":"user","content":"Tell me a story about a cat."}]})",
                               "application/json",
                               {{"x-api-key", auth.at("authorization").substr(7)}, {"anthropic-version", "2023-06-01"}});
  ASSERT_EQ(messages.status, 200) << messages.body;
  static const std::regex msg_id(R"re("id":"msg_[0-9a-f]+")re");
  sovra::testing::expect_golden("stories260k_messages_stream.sse",
                                std::regex_replace(messages.body, msg_id, R"("id":"msg_ID")"));
}

}  // namespace
}  // namespace sovra::test
