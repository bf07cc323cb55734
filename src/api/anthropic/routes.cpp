#include "api/anthropic/routes.hpp"

#include <fmt/format.h>

#include "api/anthropic/error.hpp"
#include "api/anthropic/messages_call.hpp"
#include "api/anthropic/messages_request.hpp"
#include "api/anthropic/ratelimit_headers.hpp"
#include "common/json.hpp"
#include "http/deferred.hpp"
#include "platform/ids.hpp"

namespace sovra::api::anthropic {
namespace {

constexpr std::string_view kMessagesPath = "/v1/messages";
constexpr std::string_view kCountTokensPath = "/v1/messages/count_tokens";

Result<ChatRequest> parse_body(const http::Request& request, RequestKind kind) {
  auto body = parse_json(request.body);
  if (!body) return fail(Error::invalid(body.error().message));
  return parse_messages_request(*body, kind);
}

http::Response refusal_response(const Refusal& refusal, std::string_view request_id) {
  auto r = error_response(refusal.error, request_id);
  for (auto& h : anthropic_headers(refusal.headers, std::chrono::system_clock::now())) r.headers.push_back(h);
  return r;
}

}  // namespace

http::Response handle_messages(http::Request& request, const std::shared_ptr<const CallFlow>& flow,
                               const AnthropicRouteOptions& options) {
  auto chat = parse_body(request, RequestKind::kMessages);
  if (!chat) return error_response(chat.error(), request.request_id);
  const CallSpec spec{.endpoint = std::string(kMessagesPath),
                      .protocol = "anthropic",
                      .model = chat->model,
                      .stream = chat->stream,
                      .user = chat->user,
                      .choices = 1,
                      .max_tokens = chat->params.max_tokens};
  auto promise = std::make_shared<http::ResponsePromise>();
  auto shared_chat = std::make_shared<ChatRequest>(std::move(*chat));
  flow->prepare_chat(
      request, *shared_chat, spec,
      [promise, shared_chat, request_id = request.request_id, queue = options.sse_queue_events](
          std::optional<PreparedCall> prepared, std::optional<Refusal> refusal) mutable {
        if (refusal || !prepared) {
          promise->complete(refusal ? refusal_response(*refusal, request_id)
                                    : error_response(Error::internal("admission gave no answer"), request_id));
          return;
        }
        auto call = MessagesCall::create({.prepared = std::move(*prepared),
                                          .header = {.id = platform::new_id("msg"), .model = shared_chat->model},
                                          .stream = shared_chat->stream,
                                          .emit_thinking = shared_chat->enable_thinking.value_or(true),
                                          .request_id = request_id,
                                          .promise = promise,
                                          .sse_queue_events = queue});
        call->start(std::move(*shared_chat));
      });
  return http::Response::later(promise);
}

http::Response handle_count_tokens(http::Request& request, const CallFlow& flow) {
  auto chat = parse_body(request, RequestKind::kCountTokens);
  if (!chat) return error_response(chat.error(), request.request_id);
  auto route = flow.router().route({.model = chat->model, .endpoint = std::string(kCountTokensPath)});
  if (!route) return error_response(route.error(), request.request_id);
  auto count = route->backend->count_chat_tokens(*chat);
  if (!count) return error_response(count.error(), request.request_id);
  auto r = http::Response::json(200, fmt::format(R"({{"input_tokens":{}}})", count->tokens));
  r.headers.push_back({"request-id", request.request_id});
  return r;
}

void add_anthropic_routes(http::Router& router, std::shared_ptr<const CallFlow> flow, AnthropicRouteOptions options) {
  router.add("POST", std::string(kMessagesPath),
             [flow, options](http::Request& request) { return handle_messages(request, flow, options); },
             {.json_body = true, .summary = "Create a message (Anthropic Messages API)"});
  router.add("POST", std::string(kCountTokensPath),
             [flow](http::Request& request) { return handle_count_tokens(request, *flow); },
             {.json_body = true, .summary = "Count the input tokens of a message (Anthropic Messages API)"});
}

}  // namespace sovra::api::anthropic
