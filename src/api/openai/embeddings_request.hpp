#pragma once
// POST /v1/embeddings: OpenAI's request (model, input as a string / strings / token ids / arrays of token ids,
// encoding_format float|base64, dimensions, user, and Sovra's extension `truncate`) and response
// ({"object":"list","data":[{"object":"embedding","index","embedding"}],"model","usage"}).
//
// Contract: parse_embedding_request accepts any JSON value and returns OpenAI-style errors with `param` set (never
// throws); at most kMaxEmbeddingInputs inputs, no empty string or empty token array. base64 embeddings are the
// little-endian float32 bytes of the vector, base64-encoded (what the openai SDKs decode).
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

#include "api/types/embedding.hpp"
#include "common/error.hpp"

namespace sovra::api::openai {

inline constexpr std::size_t kMaxEmbeddingInputs = 2048;

enum class EncodingFormat { kFloat, kBase64 };

struct ParsedEmbeddingRequest {
  EmbeddingRequest request;
  EncodingFormat format = EncodingFormat::kFloat;
  std::int64_t text_bytes = 0;   // bytes of text inputs, for the admission estimate
  std::int64_t given_tokens = 0;  // token ids given directly
};

Result<ParsedEmbeddingRequest> parse_embedding_request(const boost::json::value& body);

std::string encode_embedding_response(const EmbeddingResult& result, std::string_view model, EncodingFormat format);

std::string base64_encode(std::string_view bytes);

}  // namespace sovra::api::openai
