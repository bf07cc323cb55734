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
// decode_chat_chunk's two ways, exposed for the differential tests and fuzz target. The simple one reads the common
// shape (content and reasoning deltas, finish reasons; usage, error, logprobs and tool calls absent or null) in one
// pass without a JSON tree and leaves `role` unset; for anything else (and any invalid JSON) it returns nullopt.
// The tree one parses the chunk with Boost.JSON and handles every shape.
std::optional<ChatChunk> decode_simple_chat_chunk(std::string_view json);
Result<ChatChunk> decode_chat_chunk_tree(std::string_view json, std::set<std::int32_t>& seen);
// Field by field (tests and the fuzz target compare the two ways with it).
bool same_chat_chunk(const ChatChunk& a, const ChatChunk& b);
Result<TextChunk> decode_text_chunk(std::string_view json);

// An upstream's error response (status + body) as an Error a client can act on: 4xx keep their status and the
// upstream's message (prefixed with "upstream: "); 5xx and unreadable bodies become 502 Bad Gateway; 429 stays
// 429; 401/403 from the upstream become 502 (our credentials, not the client's, were refused).
Error upstream_error(int status, std::string_view body);

}  // namespace sovra::routing
