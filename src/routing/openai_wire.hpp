#pragma once
// The OpenAI wire format as an upstream speaks it: requests re-encoded from the protocol-neutral types (always
// streaming, asking for the usage chunk), and stream chunks / error bodies decoded into events and Errors.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/types/chat.hpp"
#include "api/types/completion.hpp"
#include "api/types/embedding.hpp"
#include "api/types/events.hpp"
#include "api/types/text_completion.hpp"
#include "common/error.hpp"

namespace sovra::routing {

// JSON body for POST <base>/chat/completions with `model` replaced by the upstream's name for it.
std::string encode_chat_request(const api::ChatRequest& request, const std::string& upstream_model);
// JSON body for POST <base>/completions.
std::string encode_text_request(const api::TextCompletionRequest& request, const std::string& upstream_model);

// Bodies for POST <base>/embeddings and <base>/rerank (all documents scored: top_n is applied by the caller).
std::string encode_embedding_request(const api::EmbeddingRequest& request, const std::string& upstream_model);
std::string encode_rerank_request(const api::RerankRequest& request, const std::string& upstream_model);
// Their answers: {"data":[{"index","embedding"}],"usage"} and {"results":[{"index","relevance_score"}],"usage"}.
Result<api::EmbeddingResult> decode_embedding_response(std::string_view json, std::size_t inputs);
Result<api::RerankResult> decode_rerank_response(std::string_view json, std::size_t documents);

// One decoded stream chunk: the deltas it carries and, on the usage chunk, the usage.
struct ChatChunk {
  std::vector<api::ChatDelta> deltas;
  std::optional<api::Usage> usage;
};
struct TextChunk {
  std::vector<api::TextDelta> deltas;
  std::optional<api::Usage> usage;
};

// Decodes a chunk's JSON. A chunk of the form {"error": {...}} (servers report mid-stream failures this way)
// decodes to that Error. `seen` tracks the choices that already had a delta (the first one gets role = true).
Result<ChatChunk> decode_chat_chunk(std::string_view json, std::set<std::int32_t>& seen);
Result<TextChunk> decode_text_chunk(std::string_view json);

// An upstream's error response (status + body) as an Error a client can act on: 4xx keep their status and the
// upstream's message (prefixed with "upstream: "); 5xx and unreadable bodies become 502 Bad Gateway; 429 stays
// 429; 401/403 from the upstream become 502 (our credentials, not the client's, were refused).
Error upstream_error(int status, std::string_view body);

}  // namespace sovra::routing
