#pragma once
// Anthropic's Messages API on Sovra: POST /v1/messages and POST /v1/messages/count_tokens, over api::CallFlow
// (route → count → admit, and end() before the final byte) and routing::InferenceBackend. GET /v1/models for
// Anthropic clients is answered by api/openai/models.cpp through api/anthropic/models.hpp.
//
// Behaviour of /v1/messages:
// - the body is parsed into api::ChatRequest (messages_request.hpp); errors in Anthropic's shape and statuses;
// - admission refusals keep the hooks' headers (Retry-After, x-ratelimit-*) and add anthropic-ratelimit-*;
// - stream=false: one Message object after the backend finished and CallFlow::end() completed;
// - stream=true: message_start, ping, content blocks as generated, message_delta, and message_stop only after
//   CallFlow::end() completed; an error after the stream began is an `error` event; a client that goes away
//   cancels the backend call, which then ends with result.cancelled.
#include <cstddef>
#include <memory>

#include "api/call_flow.hpp"
#include "http/router.hpp"

namespace sovra::api::anthropic {

struct AnthropicRouteOptions {
  std::size_t sse_queue_events = 1024;  // per-stream frames buffered in the SSE channel (server.sse_queue_events)
};

void add_anthropic_routes(http::Router& router, std::shared_ptr<const CallFlow> flow,
                          AnthropicRouteOptions options = {});

// The handlers alone (tests drive them without a server).
http::Response handle_messages(http::Request& request, const std::shared_ptr<const CallFlow>& flow,
                               const AnthropicRouteOptions& options);
http::Response handle_count_tokens(http::Request& request, const CallFlow& flow);

}  // namespace sovra::api::anthropic
