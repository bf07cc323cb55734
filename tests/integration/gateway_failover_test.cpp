// A gateway in front of two real `sovra worker` processes and a mock OpenAI-compatible upstream, all serving one
// model: load spreads over the three; a worker killed with SIGKILL mid-load costs no client a failed request that
// was not streaming yet (failed over), streams that were on it end with an SSE error event (not a hang); the
// worker restarted on the same port is seen healthy again by the active checks and gets traffic again.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "integration/auth_support.hpp"
#include "routing/mock_upstream.hpp"
#include "support/raw_http.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

const std::string kModel = SOVRA_SHARED_DIR "/models/stories260K-chat.gguf";
const std::string kSecret = "worker-shared-secret-0123456789";

std::vector<std::string> worker_args(int port = 0) {
  std::vector<std::string> args = {"--model", "stories=" + kModel, "--set", "worker.secret=" + kSecret};
  if (port > 0) args.insert(args.end(), {"--listen", "127.0.0.1:" + std::to_string(port)});
  return args;
}

// Chat completions a worker answered with 200, from its /metrics.
long answered(int port) {
  auto r = http_request(port, "GET", "/metrics", {}, "application/json", {{"authorization", "Bearer " + kSecret}});
  if (r.status != 200) return -1;
  long total = 0;
  std::istringstream in(r.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("sovra_http_requests_total{", 0) != 0) continue;
    if (line.find("/v1/chat/completions") == std::string::npos || line.find("\"200\"") == std::string::npos) continue;
    total += std::atol(line.c_str() + line.rfind(' ') + 1);
  }
  return total;
}

// Streamed requests in flight at a worker (its in-flight gauge, less the /metrics request asking).
long in_flight(int port) {
  auto r = http_request(port, "GET", "/metrics", {}, "application/json", {{"authorization", "Bearer " + kSecret}});
  const auto at = r.body.find("\nsovra_http_in_flight_requests ");
  if (r.status != 200 || at == std::string::npos) return 0;
  return std::atol(r.body.c_str() + r.body.find(' ', at + 1) + 1) - 1;
}

// The mock: a short streamed answer to every chat call, 200 to the health checks.
void mock_script(MockConnection& c, const MockRequest& req) {
  if (req.method == "GET") {
    c.write(json_response(200, R"({"object":"list","data":[{"id":"stories","object":"model"}]})"));
    return;
  }
  c.write(sse_head() + sse_event(chat_chunk("Once")) + sse_event(chat_chunk(" upon", "stop")) +
          sse_event(usage_chunk(5, 2)) + sse_event("[DONE]") + chunked_end());
}

std::string write_config(const std::string& yaml) {
  const auto path = std::filesystem::temp_directory_path() / ("gateway-failover-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << yaml;
  return path.string();
}

std::string deployment(const std::string& name, int port) {
  return "    - name: " + name + "\n      model: stories\n      base_url: http://127.0.0.1:" + std::to_string(port) +
         "/v1\n      api_key: " + kSecret + "\n";
}

constexpr const char* kPlain =
    R"({"model":"stories","max_tokens":8,"messages":[{"role":"user","content":"Tell me a story"}]})";
constexpr const char* kStreamed =
    R"({"model":"stories","max_tokens":400,"stream":true,"logit_bias":{"2":-100},)"
    R"("messages":[{"role":"user","content":"Tell me a story"}]})";  // EOS (id 2) banned: streams run their length

TEST(GatewayFailover, SpreadsLoadSurvivesAKilledWorkerAndTakesItBack) {
  if (!std::filesystem::exists(kModel)) GTEST_SKIP() << kModel << " absent";
  auto a = std::make_unique<ServerProcess>("worker", worker_args());
  auto b = std::make_unique<ServerProcess>("worker", worker_args());
  ASSERT_TRUE(a->started()) << a->log();
  ASSERT_TRUE(b->started()) << b->log();
  MockUpstream mock(mock_script);
  const std::string yaml = "routing:\n  deployments:\n" + deployment("worker-a", a->port()) +
                           deployment("worker-b", b->port()) + deployment("mock", mock.port());
  // Fast health checks and short breaker/ejection times, so the worker's return is seen within the test.
  ServerProcess gateway("gateway",
                        {"--set", "routing.health_interval_ms=100", "--set", "routing.breaker_open_ms=300", "--set",
                         "routing.outlier_ejection_ms=300", "--set", "rate_limits.enabled=false"},
                        {"SOVRA_CONFIG=" + write_config(yaml)});
  ASSERT_TRUE(gateway.started()) << gateway.log();
  const std::string key = read_file(gateway.data_dir() + "/data/initial-api-key");
  const std::map<std::string, std::string> auth{{"authorization", "Bearer " + key}};
  auto mock_calls = [&] {
    int n = 0;
    for (const auto& r : mock.received()) n += r.method == "POST" ? 1 : 0;
    return n;
  };

  // Load: plain (non-streaming) requests from 4 threads until told to stop; every answer must be a 200.
  std::atomic<bool> stop{false};
  std::atomic<bool> paused{false};  // while the streams' worker is chosen: load requests then count as streams
  std::atomic<int> busy{0};         // load requests in progress
  std::atomic<long> ok{0};
  std::mutex failures_mu;
  std::vector<std::string> failures;
  std::vector<std::thread> load;
  for (int t = 0; t < 4; ++t) {
    load.emplace_back([&] {
      while (!stop) {
        if (paused) {
          std::this_thread::yield();
          continue;
        }
        ++busy;
        auto r = http_request(gateway.port(), "POST", "/v1/chat/completions", kPlain, "application/json", auth);
        --busy;
        if (r.status == 200) {
          ++ok;
        } else {
          std::lock_guard lock(failures_mu);
          failures.push_back(std::to_string(r.status) + " " + r.body);
        }
      }
    });
  }
  auto stop_load = [&] {
    stop = true;
    for (auto& t : load) t.join();
    load.clear();
  };
  struct Joiner {
    std::function<void()> f;
    ~Joiner() { f(); }
  } joiner{stop_load};  // also when an assertion returns early

  // 1. The load spreads: both workers and the mock answer a share.
  EXPECT_TRUE(eventually([&] { return answered(a->port()) >= 5 && answered(b->port()) >= 5 && mock_calls() >= 5; },
                         std::chrono::seconds(30)))
      << "worker-a " << answered(a->port()) << ", worker-b " << answered(b->port()) << ", mock " << mock_calls();

  // 2. Streams in flight, each past its first event; then the worker carrying more of them is killed.
  std::vector<std::unique_ptr<RawConnection>> streams;
  for (int i = 0; i < 8; ++i) {
    auto c = std::make_unique<RawConnection>(gateway.port());
    const std::string body = kStreamed;
    ASSERT_TRUE(c->send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key +
                        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                        "\r\n\r\n" + body));
    ASSERT_TRUE(c->read_until("data: {", std::chrono::seconds(20))) << c->received();
    streams.push_back(std::move(c));
  }
  // The load pauses while the worker is chosen, so that what is in flight there is streams only; it resumes at
  // once, before the kill, so requests keep arriving while the worker dies.
  paused = true;
  ASSERT_TRUE(eventually([&] { return busy.load() == 0; }, std::chrono::seconds(30)));
  const bool kill_a = in_flight(a->port()) >= in_flight(b->port());
  auto& victim = kill_a ? a : b;
  const int victim_port = victim->port();
  const long victim_streams = in_flight(victim_port);
  paused = false;
  victim->signal(SIGKILL);
  ASSERT_NE(victim->wait_exit(std::chrono::seconds(10)), -1);
  const long ok_at_kill = ok.load();

  // Every stream ends before its deadline: with [DONE], or (cut off on the dead worker) with an error event
  // and a properly terminated chunked body.
  int errored = 0;
  for (auto& c : streams) {
    ASSERT_TRUE(c->read_until("\r\n0\r\n\r\n", std::chrono::seconds(30))) << "stream hung: " << c->received();
    const auto& got = c->received();
    if (got.find("data: [DONE]") != std::string::npos) continue;
    ++errored;
    const auto at = got.rfind("data: {\"error\"");
    ASSERT_NE(at, std::string::npos) << "stream ended without [DONE] or an error event: " << got;
    EXPECT_NE(got.find("upstream", at), std::string::npos) << got.substr(at);
  }
  RecordProperty("streams_on_killed_worker", static_cast<int>(victim_streams));
  RecordProperty("streams_ended_with_error_event", errored);
  if (victim_streams > 0) {
    EXPECT_GT(errored, 0) << victim_streams << " streams were on the killed worker";
  }

  // Load goes on without client-visible failures while the worker is gone.
  EXPECT_TRUE(eventually([&] { return ok.load() >= ok_at_kill + 40; }, std::chrono::seconds(30)));

  // 3. The worker comes back on the same port: the health checks see it and it gets traffic again.
  victim = std::make_unique<ServerProcess>("worker", worker_args(victim_port));
  ASSERT_TRUE(victim->started()) << victim->log();
  ASSERT_EQ(victim->port(), victim_port);
  EXPECT_TRUE(eventually([&] { return answered(victim_port) >= 3; }, std::chrono::seconds(30)))
      << "the restarted worker got no traffic";
  stop_load();

  std::lock_guard lock(failures_mu);
  EXPECT_TRUE(failures.empty()) << failures.size() << " client-visible failures, first: " << failures.front();
  EXPECT_GT(ok.load(), 50);
  EXPECT_EQ(gateway.log().find(kSecret), std::string::npos);
}

}  // namespace
}  // namespace sovra::test
