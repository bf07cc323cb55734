#pragma once
// Routes of the encoder endpoints over api::CallFlow: POST /v1/embeddings (OpenAI) and POST /v1/rerank, /rerank,
// /v2/rerank (Cohere/Jina shape).
//
// Contract: handlers parse and validate on the I/O thread (cheap), then return Response::later: the call is routed
// and admitted (CallFlow::prepare with an estimated prompt size: text bytes / 4 + given token ids), the routed
// backend's embed()/rerank() runs on the backend's own threads, and the answer is sent only after CallFlow::end
// has finished the admission tickets with the real usage (prompt tokens as counted by the backend). Errors use
// OpenAI's shape; refusals carry the hooks' headers.
#include <memory>

#include "api/call_flow.hpp"
#include "http/router.hpp"

namespace sovra::api::openai {

void add_embedding_routes(http::Router& router, std::shared_ptr<const CallFlow> flow);

}  // namespace sovra::api::openai
