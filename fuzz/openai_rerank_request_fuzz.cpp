// Fuzzes the /v1/rerank request parser and the response encoder: any JSON body either parses into a request whose
// invariants hold (a query, 1..kMaxRerankDocuments documents, top_n >= 1) or fails with a message and 400; the
// encoded response is valid JSON with min(top_n, documents) results.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/openai/rerank_request.hpp"
#include "common/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto json = sovra::parse_json(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!json) return 0;
  auto parsed = sovra::api::openai::parse_rerank_request(*json);
  if (!parsed) {
    if (parsed.error().message.empty() || parsed.error().status() != 400) std::abort();
    return 0;
  }
  const auto& r = parsed->request;
  if (r.query.empty() || r.documents.empty() || r.documents.size() > sovra::api::openai::kMaxRerankDocuments) {
    std::abort();
  }
  if (r.top_n && *r.top_n < 1) std::abort();
  sovra::api::RerankResult result;
  for (std::size_t i = 0; i < r.documents.size(); ++i) result.scores.push_back(static_cast<float>(i % 7) / 7.0f);
  auto out = sovra::parse_json(sovra::api::openai::encode_rerank_response(r, result, "rerank-x"));
  if (!out) std::abort();
  const std::size_t want = r.top_n && static_cast<std::size_t>(*r.top_n) < r.documents.size()
                               ? static_cast<std::size_t>(*r.top_n)
                               : r.documents.size();
  if (out->at("results").as_array().size() != want) std::abort();
  return 0;
}
