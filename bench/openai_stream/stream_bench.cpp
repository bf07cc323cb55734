// What the OpenAI layer costs per generated token: one streamed /v1/chat/completions request of kTokens deltas
// through the real router, handler, CallFlow, chunk encoder and SSE channel (the backend delivers its events at
// once, so nothing but the API layer is measured), and the same request without streaming (collected into one
// chat.completion), against the baseline of the bare transport: the same number of frames of the same size,
// already formatted, through an SseChannel. Prints ns per token and the ratio to the baseline.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "api/openai/inference_routes.hpp"
#include "http/deferred.hpp"
#include "http/sse.hpp"

namespace {

using namespace sovra;
using Clock = std::chrono::steady_clock;

constexpr int kTokens = 1000;
constexpr int kRounds = 9;
constexpr int kRequestsPerRound = 50;

class InstantBackend final : public routing::InferenceBackend {
 public:
  Result<routing::CallId> start_chat(api::ChatRequest, api::ChatSink sink) override {
    sink(api::ChatEvent{.delta = {.index = 0, .role = true, .content = ""}});
    for (int i = 0; i < kTokens; ++i) {
      api::ChatEvent e{.delta = {.index = 0, .content = " story"}};
      if (i + 1 == kTokens) e.delta.finish_reason = api::FinishReason::kLength;
      sink(std::move(e));
    }
    sink(api::ChatEvent{.kind = api::ChatEvent::Kind::kFinished,
                        .usage = {.prompt_tokens = 7, .completion_tokens = kTokens}});
    return ++id_;
  }
  Result<routing::CallId> start_text(api::TextCompletionRequest, api::TextSink) override {
    return fail(Error::invalid("chat only"));
  }
  void cancel(routing::CallId) override {}
  Result<routing::TokenCount> count_chat_tokens(const api::ChatRequest&) override {
    return routing::TokenCount{.tokens = 7};
  }

 private:
  routing::CallId id_ = 0;
};

class OneModel final : public routing::ModelRouter {
 public:
  Result<routing::Route> route(const routing::RouteQuery&) const override {
    return routing::Route{.backend = backend_,
                          .deployment = {.name = "bench", .model = "stories", .context_length = 4096}};
  }
  std::vector<api::ModelInfo> models() const override { return {api::ModelInfo{.id = "stories"}}; }

 private:
  std::shared_ptr<InstantBackend> backend_ = std::make_shared<InstantBackend>();
};

// Drains a response the way the HTTP session does; returns the body bytes.
std::size_t drain(http::Response r) {
  if (r.deferred) r = *r.deferred->take([] {});
  if (!r.stream) return r.body.size();
  std::size_t bytes = 0;
  std::string chunk;
  while (true) {
    chunk.clear();
    const auto p = r.stream->poll(chunk, [] {});
    if (p == http::StreamSource::Poll::kEnd) break;
    bytes += chunk.size();
  }
  return bytes;
}

double api_round(const http::Router& router, const http::Route& route, const std::string& body, std::size_t* bytes) {
  const auto start = Clock::now();
  for (int i = 0; i < kRequestsPerRound; ++i) {
    http::Request req;
    req.method = "POST";
    req.path = "/v1/chat/completions";
    req.body = body;
    req.request_id = "req_bench";
    *bytes = drain(router.dispatch(route, req));
  }
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() / (kRequestsPerRound * kTokens);
}

double transport_round(std::size_t frame_bytes) {
  const std::string frame = "data: " + std::string(frame_bytes - 8, 'x') + "\n\n";
  const auto start = Clock::now();
  for (int i = 0; i < kRequestsPerRound; ++i) {
    auto channel = http::SseChannel::create(kTokens + 8);
    for (int t = 0; t < kTokens; ++t) channel->send_raw(frame);
    channel->close();
    http::Response r;
    r.stream = channel;
    drain(std::move(r));
  }
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() / (kRequestsPerRound * kTokens);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main() {
  http::Router router;
  api::openai::install_openai_inference(router, {.router = std::make_shared<OneModel>()});
  const http::Route& route = *router.match("POST", "/v1/chat/completions").route;
  const std::string messages = R"("model":"stories","messages":[{"role":"user","content":"Tell me a story"}])";
  const std::string stream_body = "{" + messages + R"(,"stream":true,"stream_options":{"include_usage":true}})";
  const std::string plain_body = "{" + messages + "}";

  std::vector<double> stream_ns, plain_ns, transport_ns, stream_ratio, plain_ratio;
  std::size_t stream_bytes = 0, plain_bytes = 0;
  for (int round = 0; round < kRounds; ++round) {
    const double s = api_round(router, route, stream_body, &stream_bytes);
    const double p = api_round(router, route, plain_body, &plain_bytes);
    const double t = transport_round(stream_bytes / (kTokens + 3));
    stream_ns.push_back(s);
    plain_ns.push_back(p);
    transport_ns.push_back(t);
    stream_ratio.push_back(s / t);
    plain_ratio.push_back(p / t);
  }
  fmt::print("openai_stream: {} tokens per request, {} requests per round, median of {} rounds\n", kTokens,
             kRequestsPerRound, kRounds);
  fmt::print("  baseline  SSE transport, preformatted frames : {:8.1f} ns/token\n", median(transport_ns));
  fmt::print("  streamed  /v1/chat/completions ({} B/token)   : {:8.1f} ns/token  ratio {:.2f}x\n",
             stream_bytes / kTokens, median(stream_ns), median(stream_ratio));
  fmt::print("  plain     /v1/chat/completions (one body)    : {:8.1f} ns/token  ratio {:.2f}x\n", median(plain_ns),
             median(plain_ratio));
  return 0;
}
