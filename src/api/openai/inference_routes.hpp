#pragma once
// POST /v1/chat/completions and POST /v1/completions over api::CallFlow (route → count → admit, end before the
// final byte) and routing::InferenceBackend. Handlers parse and validate on the I/O thread, then answer later:
// through Response::later for JSON bodies, through an SSE stream (see inference_response.hpp) for `stream: true`.
#include <cstddef>
#include <memory>

#include "api/call_flow.hpp"
#include "http/router.hpp"

namespace sovra::api::openai {

struct InferenceRouteOptions {
  // Frames a streamed response may have waiting for a slow client before its call is cancelled.
  std::size_t stream_queue_events = 65536;
};

http::Handler chat_completions_handler(std::shared_ptr<const CallFlow> flow, InferenceRouteOptions options = {});
http::Handler completions_handler(std::shared_ptr<const CallFlow> flow, InferenceRouteOptions options = {});

// Registers both routes (JSON bodies).
void add_inference_routes(http::Router& router, std::shared_ptr<const CallFlow> flow,
                          InferenceRouteOptions options = {});

// What a serving mode (sovra serve, sovra gateway) has to install the routes: its model router, its admission
// hooks (may be null: no admission) and the caller's residency constraints (may be empty).
struct InferenceWiring {
  std::shared_ptr<const routing::ModelRouter> router;
  std::shared_ptr<const gateway::CallChain> chain;
  ConstraintsFn constraints;
  InferenceRouteOptions options;
};

void install_openai_inference(http::Router& router, InferenceWiring wiring);

}  // namespace sovra::api::openai
