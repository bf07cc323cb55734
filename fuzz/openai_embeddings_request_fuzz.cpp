// Fuzzes the /v1/embeddings request parser and the response encoder: any JSON body either parses into a request
// whose invariants hold (1..kMaxEmbeddingInputs non-empty inputs, dimensions >= 1) or fails with a message and 400;
// encoding a result for the parsed inputs (float and base64) always gives valid JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "api/openai/embeddings_request.hpp"
#include "common/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto json = sovra::parse_json(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!json) return 0;
  auto parsed = sovra::api::openai::parse_embedding_request(*json);
  if (!parsed) {
    if (parsed.error().message.empty() || parsed.error().status() != 400) std::abort();
    return 0;
  }
  const auto& r = parsed->request;
  if (r.inputs.empty() || r.inputs.size() > sovra::api::openai::kMaxEmbeddingInputs) std::abort();
  if (r.dimensions && *r.dimensions < 1) std::abort();
  for (const auto& in : r.inputs) {
    if (const auto* s = std::get_if<std::string>(&in); s && s->empty()) std::abort();
    if (const auto* t = std::get_if<std::vector<std::int32_t>>(&in); t && t->empty()) std::abort();
  }
  sovra::api::EmbeddingResult result;
  result.embeddings.assign(r.inputs.size() > 4 ? 4 : r.inputs.size(), {0.5f, -1.0f, 3e-8f});
  for (auto format : {sovra::api::openai::EncodingFormat::kFloat, sovra::api::openai::EncodingFormat::kBase64}) {
    if (!sovra::parse_json(sovra::api::openai::encode_embedding_response(result, r.model, format))) std::abort();
  }
  return 0;
}
