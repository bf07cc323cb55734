#pragma once
// Sampling and length parameters shared by chat, completions and the Anthropic messages API, after validation.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sovra::api {

struct TokenBias {
  std::int32_t token = 0;
  float bias = 0.0f;  // [-100, 100]; -100 bans the token in practice
};

struct GenerationParams {
  std::optional<std::int64_t> max_tokens;  // absent: up to the model's context
  std::int32_t n = 1;                      // choices per request
  float temperature = 1.0f;
  float top_p = 1.0f;
  std::int32_t top_k = 0;  // 0: off (vLLM's -1 is accepted and stored as 0)
  float min_p = 0.0f;
  float repetition_penalty = 1.0f;
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  std::vector<TokenBias> logit_bias;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> stop;  // never emitted in the output
  bool logprobs = false;
  std::int32_t top_logprobs = 0;
};

}  // namespace sovra::api
