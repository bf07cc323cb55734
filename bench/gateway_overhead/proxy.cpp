// bench_gateway_proxy: the relay path of `sovra gateway` as a standalone server for bench/gateway_overhead/run —
// POST /v1/chat/completions is parsed (api/openai), routed (routing::ConfigModelRouter over two upstream
// deployments, "sse" and "json"), sent upstream by routing::UpstreamBackend (pooled keep-alive connections) and
// the answer relayed chunk by chunk as SSE (stream: true) or gathered into one JSON body (stream: false).
// Without the tenancy policy path (auth, limits, metering, audit): the chat handlers that run it over
// api::CallFlow are wired into `sovra gateway` separately; see README.md.
//
// Usage: bench_gateway_proxy UPSTREAM_BASE (e.g. http://127.0.0.1:8081); prints "listening on PORT".
#include <chrono>
#include <iostream>
#include <mutex>

#include "api/openai/chat_encode.hpp"
#include "api/openai/chat_request.hpp"
#include "api/openai/error.hpp"
#include "common/json.hpp"
#include "common/logging.hpp"
#include "http/deferred.hpp"
#include "http/server.hpp"
#include "http/sse.hpp"
#include "routing/build_router.hpp"

using namespace sovra;  // NOLINT(google-build-using-namespace): a small benchmark driver

namespace {

http::Response relay(const routing::ModelRouter& models, http::Request& req) {
  auto body = parse_json(req.body);
  if (!body) return api::openai::error_response(body.error());
  auto chat = api::openai::parse_chat_request(*body);
  if (!chat) return api::openai::error_response(chat.error());
  auto route = models.route({.model = chat->model, .endpoint = "/v1/chat/completions"});
  if (!route) return api::openai::error_response(route.error());
  const api::CompletionHeader header{.id = "chatcmpl-bench", .created = 1, .model = chat->model};
  if (chat->stream) {
    auto channel = http::SseChannel::create(4096);
    auto backend = route->backend;
    auto id = backend->start_chat(std::move(*chat), [channel, header](api::ChatEvent&& e) {
      if (e.kind == api::ChatEvent::Kind::kDelta) {
        channel->send({.data = api::openai::encode_chat_chunk(header, e.delta, false)});
        return;
      }
      if (e.error) {
        channel->send({.data = api::openai::error_json(*e.error)});
      } else {
        channel->send({.data = api::openai::encode_usage_chunk(header, e.usage)});
      }
      channel->send({.data = "[DONE]"});
      channel->close();
    });
    if (!id) return api::openai::error_response(id.error());
    channel->on_cancel([backend, call = *id] { backend->cancel(call); });
    http::Response r;
    r.content_type = "text/event-stream";
    r.stream = channel;
    return r;
  }
  auto promise = std::make_shared<http::ResponsePromise>();
  struct Gather {
    std::mutex mu;
    api::ChatCompletion completion;
  };
  auto g = std::make_shared<Gather>();
  g->completion.header = header;
  g->completion.choices.resize(1);
  auto id = route->backend->start_chat(std::move(*chat), [g, promise](api::ChatEvent&& e) {
    std::lock_guard lock(g->mu);
    auto& choice = g->completion.choices[0];
    if (e.kind == api::ChatEvent::Kind::kDelta) {
      if (e.delta.content) choice.content = choice.content.value_or("") + *e.delta.content;
      if (e.delta.finish_reason) choice.finish_reason = *e.delta.finish_reason;
      return;
    }
    if (e.error) return promise->complete(api::openai::error_response(*e.error));
    g->completion.usage = e.usage;
    promise->complete(http::Response::json(200, api::openai::encode_chat_completion(g->completion)));
  });
  if (!id) return api::openai::error_response(id.error());
  return http::Response::later(promise);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: bench_gateway_proxy UPSTREAM_BASE\n";
    return 2;
  }
  (void)configure_logging({.level = "warn", .format = "json"});
  const std::string upstream = argv[1];
  Config config;
  config.server.listen = "127.0.0.1:0";
  config.server.threads = 1;
  config.routing.health_interval_ms = 0;
  config.routing.deployments = {
      DeploymentSpec{.name = "mock-sse", .model = "sse", .base_url = upstream + "/sse/v1"},
      DeploymentSpec{.name = "mock-json", .model = "json", .base_url = upstream + "/json/v1"},
  };
  auto models = routing::build_model_router(config, {});
  if (!models) {
    std::cerr << models.error().message << "\n";
    return 2;
  }
  auto router = std::make_shared<http::Router>();
  std::shared_ptr<const routing::ModelRouter> m = *models;
  router->add("POST", "/v1/chat/completions", [m](http::Request& req) { return relay(*m, req); });
  auto server = http::Server::create(config.server, router, {.render_error = api::openai::error_response,
                                                             .access_log = false});
  if (!server) {
    std::cerr << server.error().message << "\n";
    return 2;
  }
  auto bound = (*server)->start();
  if (!bound) {
    std::cerr << bound.error().message << "\n";
    return 1;
  }
  std::cout << "listening on " << bound->port << std::endl;
  (*server)->run(true);
  return 0;
}
