#include "app/system_routes.hpp"

#include <boost/json/monotonic_resource.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "http/sse.hpp"

#include "api/openai/error.hpp"
#include "api/openapi.hpp"
#include "common/build_info.hpp"
#include "common/json.hpp"
#include "observability/metrics.hpp"

namespace sovra::app {

namespace {

std::int64_t query_int(std::string_view query, std::string_view key, std::int64_t fallback) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto part = query.substr(0, amp);
    const auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == key) {
      std::int64_t v = 0;
      const auto value = part.substr(eq + 1);
      if (std::from_chars(value.data(), value.data() + value.size(), v).ec == std::errc()) return v;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return fallback;
}

// GET /debug/sse?events=N&interval_ms=M: a producer thread streams N events, honouring back-pressure and
// stopping when the client goes away. Exercises the SSE path the engine uses, without a model.
http::Response debug_sse(const http::Request& req, std::size_t queue_events) {
  const auto events = std::clamp<std::int64_t>(query_int(req.query, "events", 10), 0, 1'000'000);
  const auto interval = std::clamp<std::int64_t>(query_int(req.query, "interval_ms", 0), 0, 10'000);
  auto channel = http::SseChannel::create(queue_events);
  std::thread([channel, events, interval] {
    std::mutex mu;
    std::condition_variable cv;
    bool writable = false;
    for (std::int64_t i = 0; i < events; ++i) {
      const http::SseEvent ev{.data = R"({"index":)" + std::to_string(i) + "}"};
      while (true) {
        const auto r = channel->send(ev);
        if (r == http::SseChannel::SendResult::kOk) break;
        if (r == http::SseChannel::SendResult::kClosed) return;
        {
          std::lock_guard lock(mu);
          writable = false;
        }
        channel->on_writable([&] {
          std::lock_guard lock(mu);
          writable = true;
          cv.notify_one();
        });
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return writable; });
      }
      if (interval > 0) std::this_thread::sleep_for(std::chrono::milliseconds(interval));  // pacing, not sync
      if (channel->cancelled()) return;
    }
    channel->send({.data = "[DONE]"});
    channel->close();
  }).detach();
  http::Response r;
  r.content_type = "text/event-stream";
  r.stream = channel;
  return r;
}

}  // namespace

void add_system_routes(http::Router& router, const SystemRouteDeps& deps) {
  router.add("GET", "/healthz", [](http::Request&) { return http::Response::json(200, R"({"status":"ok"})"); },
             {.summary = "Liveness: the process is up and serving HTTP"});

  router.add("GET", "/readyz",
             [readiness = deps.readiness](http::Request&) {
               return http::Response::json(readiness->all_ready() ? 200 : 503, readiness->to_json());
             },
             {.summary = "Readiness: models loaded and store open"});

  router.add("GET", "/metrics",
             [](http::Request&) {
               return http::Response::text(200, observability::render_metrics_text(),
                                           "text/plain; version=0.0.4; charset=utf-8");
             },
             {.summary = "Prometheus metrics (text format 0.0.4)"});

  // The document is built on first request, after every route is registered, and cached.
  auto doc = std::make_shared<std::pair<std::once_flag, std::string>>();
  const http::Router* self = &router;
  router.add("GET", "/openapi.json",
             [doc, self](http::Request&) {
               std::call_once(doc->first, [&] { doc->second = api::openapi_document(*self, build::kVersion); });
               return http::Response::json(200, doc->second);
             },
             {.summary = "OpenAPI 3.1 description of the routes this build serves"});

  if (deps.debug_routes) {
    router.add("POST", "/debug/echo",
               [](http::Request& req) {
                 // Parsed into a stack arena like a real API handler would (validation, typed access), then the
                 // validated bytes go back unchanged.
                 unsigned char arena[16384];
                 boost::json::monotonic_resource mr(arena, sizeof arena);
                 auto value = parse_json(req.body, {}, &mr);
                 if (!value) return api::openai::error_response(value.error());
                 return http::Response::json(200, std::move(req.body));
               },
               {.json_body = true, .summary = "Validate a JSON body and return it (benchmarks)", .hidden = true});
    router.add("GET", "/debug/sse",
               [queue = deps.sse_queue_events](http::Request& req) { return debug_sse(req, queue); },
               {.summary = "Stream N server-sent events (tests)", .hidden = true});
  }
}

}  // namespace sovra::app
