#pragma once
// POST /v1/rerank (also /rerank, /v2/rerank): the Cohere/Jina shape that vLLM and llama.cpp's server accept —
// request {model, query, documents: [string | {"text": string}], top_n, return_documents}; response
// {"id","model","results":[{"index","relevance_score"[,"document":{"text"}]}],"usage":{"prompt_tokens","total_tokens"}}
// with results sorted by relevance_score, highest first (ties: lower index first), cut to top_n.
//
// Contract: parse_rerank_request accepts any JSON value and returns errors with `param` set; at most
// kMaxRerankDocuments documents, none of them missing its text. Unknown fields (rank_fields, max_chunks_per_doc,
// …) are ignored, as those servers do.
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

#include "api/types/embedding.hpp"
#include "common/error.hpp"

namespace sovra::api::openai {

inline constexpr std::size_t kMaxRerankDocuments = 1000;

struct ParsedRerankRequest {
  RerankRequest request;
  std::int64_t text_bytes = 0;  // query + documents, for the admission estimate
};

Result<ParsedRerankRequest> parse_rerank_request(const boost::json::value& body);

std::string encode_rerank_response(const RerankRequest& request, const RerankResult& result, std::string_view id);

}  // namespace sovra::api::openai
