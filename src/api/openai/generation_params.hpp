#pragma once
// The sampling and length fields shared by /v1/chat/completions and /v1/completions.
#include <boost/json/object.hpp>

#include "api/openai/fields.hpp"
#include "api/types/generation.hpp"
#include "common/error.hpp"

namespace sovra::api::openai {

inline constexpr std::int32_t kMaxChoices = 128;     // OpenAI's limit for `n`
inline constexpr std::size_t kMaxStopSequences = 4;  // OpenAI's limit for `stop`
inline constexpr std::int32_t kMaxTopLogprobs = 20;
inline constexpr std::size_t kMaxLogitBias = 1024;

// Reads temperature, top_p, n, stop, seed, presence/frequency penalties, logit_bias, max_tokens (also
// max_completion_tokens for chat: `max_tokens_keys` lists the keys in order of precedence) and the vLLM extensions
// top_k, min_p, repetition_penalty. `logprobs`/`top_logprobs` differ between the two endpoints and are read there.
Result<GenerationParams> parse_generation_params(const Fields& body,
                                                 std::initializer_list<std::string_view> max_tokens_keys);

}  // namespace sovra::api::openai
