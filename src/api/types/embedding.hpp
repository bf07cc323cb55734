#pragma once
// Protocol-neutral embedding and rerank requests and results (POST /v1/embeddings, /v1/rerank), after validation.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/types/text_completion.hpp"  // Prompt: text or token ids

namespace sovra::api {

struct EmbeddingRequest {
  std::string model;
  std::vector<Prompt> inputs;               // one embedding per input, in order
  std::optional<std::int32_t> dimensions;   // Matryoshka truncation (+ re-normalization) when set
  bool truncate = false;                    // extension: cut inputs longer than the model's limit instead of 400
  std::string user;
};

struct EmbeddingResult {
  std::vector<std::vector<float>> embeddings;  // inputs.size() vectors
  std::int64_t prompt_tokens = 0;
};

struct RerankRequest {
  std::string model;
  std::string query;
  std::vector<std::string> documents;
  std::optional<std::int32_t> top_n;
  bool return_documents = false;
};

struct RerankResult {
  std::vector<float> scores;  // one relevance score per document, in the request's order
  std::int64_t prompt_tokens = 0;
};

}  // namespace sovra::api
