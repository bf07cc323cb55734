// A client that disconnects while its non-streamed response is still being generated: the HTTP session notices
// (EOF on the socket), the handler cancels the engine request, the engine frees its sequences, and metering records
// the tokens actually processed. OpenAI chat/completions and legacy completions, and Anthropic /v1/messages, on the
// real binary with stories260K-chat. Also: a pipelined request sent while the first one waits is served, not
// mistaken for a disconnect.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "integration/auth_support.hpp"
#include "support/raw_http.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

using namespace std::chrono_literals;

const std::string kModel = SOVRA_SHARED_DIR "/models/stories260K-chat.gguf";

// Sum of the samples of `name` whose labels contain every string of `labels` (0 when there are none).
double metric_sum(int port, const std::string& name, const std::vector<std::string>& labels = {}) {
  const auto m = http_request(port, "GET", "/metrics");
  double total = 0;
  std::size_t at = 0;
  while ((at = m.body.find("\n" + name, at)) != std::string::npos) {
    const std::size_t line_end = m.body.find('\n', at + 1);
    const std::string line = m.body.substr(at + 1, line_end - at - 1);
    at = line_end;
    const char next = line.size() > name.size() ? line[name.size()] : '\0';
    if (next != ' ' && next != '{') continue;  // another metric with this name as a prefix
    bool match = true;
    for (const auto& l : labels) match = match && line.find(l) != std::string::npos;
    if (match) total += std::atof(line.c_str() + line.rfind(' ') + 1);
  }
  return total;
}

std::string post(const std::string& path, const std::string& body, const std::string& auth_header) {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + auth_header +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class DeferredDisconnect : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kModel)) GTEST_SKIP() << kModel << " is absent (../shared)";
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--model", "stories=" + kModel});
    ASSERT_TRUE(server_->started()) << server_->log();
    api_ = read_file(server_->data_dir() + "/data/initial-api-key");
    admin_ = read_file(server_->data_dir() + "/data/initial-admin-key");
  }
  int port() const { return server_->port(); }
  double cancelled() const {
    return metric_sum(port(), "sovra_engine_requests_finished_total", {"reason=\"cancelled\""});
  }
  double finished() const { return metric_sum(port(), "sovra_engine_requests_finished_total"); }
  bool engine_idle() const {
    return metric_sum(port(), "sovra_engine_running_sequences") == 0 &&
           metric_sum(port(), "sovra_engine_queue_depth") == 0 &&
           metric_sum(port(), "sovra_engine_kv_blocks_used") == 0;
  }

  // Sends `request` and closes the connection without reading; returns once the engine has finished `choices`
  // more requests. Every one of them must have been cancelled: with max_tokens at the context's limit they would
  // otherwise run for hundreds of engine steps.
  void send_and_vanish(const std::string& request, int choices) {
    const double cancelled_before = cancelled();
    const double finished_before = finished();
    const double abandoned_before = metric_sum(port(), "sovra_http_requests_abandoned_total");
    {
      RawConnection c(port());
      ASSERT_TRUE(c.connected());
      ASSERT_TRUE(c.send(request));
    }  // closed: EOF while the response is pending
    EXPECT_TRUE(eventually([&] { return finished() >= finished_before + choices; }, 60s))
        << "the engine never finished the requests\n"
        << server_->log();
    EXPECT_EQ(cancelled(), cancelled_before + choices) << "each choice must end cancelled, not by itself";
    EXPECT_TRUE(eventually([&] { return engine_idle(); }, 10s)) << "the engine still holds the sequences";
    EXPECT_TRUE(eventually(
        [&] { return metric_sum(port(), "sovra_http_requests_abandoned_total") == abandoned_before + 1; }, 10s));
  }

  std::unique_ptr<ServerProcess> server_;
  std::string api_;
  std::string admin_;
};

TEST_F(DeferredDisconnect, ChatCompletionsAreCancelledAndMeteredForWhatRan) {
  const double generated_before = metric_sum(port(), "sovra_engine_generated_tokens_total");
  send_and_vanish(post("/v1/chat/completions",
                       R"({"model":"stories","n":4,"temperature":1,"seed":3,)"
                       R"("messages":[{"role":"user","content":"Tell me a long story."}]})",
                       "Authorization: Bearer " + api_ + "\r\n"),
                  4);
  // No max_tokens: each choice may use the rest of the context (hundreds of tokens); cancelled, far fewer ran.
  const double generated = metric_sum(port(), "sovra_engine_generated_tokens_total") - generated_before;
  EXPECT_LT(generated, 4 * 100) << "generation went on after the disconnect";

  // The metering ledger has the call, with the tokens actually processed (prompt, and the few generated).
  boost::json::value usage;
  const auto start = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch() - std::chrono::hours(24))
                         .count();
  const std::string q = "/v1/organization/usage/completions?start_time=" + std::to_string(start) + "&limit=2";
  ASSERT_TRUE(eventually(
      [&] {
        usage = json_of(call(port(), "GET", q, admin_));
        return usage.is_object() && usage.as_object().contains("data") &&
               boost::json::serialize(usage).find("\"input_tokens\":0") == std::string::npos &&
               boost::json::serialize(usage).find("\"input_tokens\"") != std::string::npos;
      },
      10s))
      << boost::json::serialize(usage);
  std::int64_t input = 0, output = 0;
  for (const auto& bucket : usage.at("data").as_array()) {
    for (const auto& r : bucket.at("results").as_array()) {
      input += r.at("input_tokens").to_number<std::int64_t>();
      output += r.at("output_tokens").to_number<std::int64_t>();
    }
  }
  EXPECT_GT(input, 0) << boost::json::serialize(usage);
  EXPECT_EQ(static_cast<double>(output), generated) << boost::json::serialize(usage);
}

TEST_F(DeferredDisconnect, LegacyCompletionsAndAnthropicMessagesAreCancelled) {
  send_and_vanish(post("/v1/completions", R"({"model":"stories","prompt":"Once upon a time","n":3,"max_tokens":400})",
                       "Authorization: Bearer " + api_ + "\r\n"),
                  3);
  send_and_vanish(post("/v1/messages",
                       R"({"model":"stories","max_tokens":400,)"
                       R"("messages":[{"role":"user","content":"Tell me a long story."}]})",
                       "x-api-key: " + api_ + "\r\nanthropic-version: 2023-06-01\r\n"),
                  1);
}

TEST_F(DeferredDisconnect, APipelinedRequestIsServedNotTakenForADisconnect) {
  const double cancelled_before = cancelled();
  RawConnection c(port());
  const std::string auth = "Authorization: Bearer " + api_ + "\r\n";
  // Both requests in one write: the second arrives while the first waits for the engine.
  ASSERT_TRUE(c.send(post("/v1/completions", R"({"model":"stories","prompt":"Once","max_tokens":40})", auth) +
                     post("/v1/completions", R"({"model":"stories","prompt":"The cat","max_tokens":3})", auth)));
  auto first = c.read_reply(60s);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 200) << first->body;
  auto second = c.read_reply(60s);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->status, 200) << second->body;
  EXPECT_NE(second->body.find("\"completion_tokens\":3"), std::string::npos) << second->body;
  EXPECT_EQ(cancelled(), cancelled_before);
}

}  // namespace
}  // namespace sovra::test
