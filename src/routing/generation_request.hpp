#pragma once
// api::GenerationParams → the engine's GenerationRequest for one choice of a local call, and the context check
// every local call makes first.
#include <cstdint>
#include <string_view>
#include <vector>

#include "api/types/generation.hpp"
#include "common/error.hpp"
#include "engine/engine_client.hpp"
#include "routing/local_model.hpp"

namespace sovra::routing {

// The generated tokens a choice may have: max_tokens, or what the context leaves when it is absent. Fails with
// 400 context_length_exceeded (naming both numbers) when prompt + max_tokens does not fit; `prompt_param` is the
// request field blamed ("messages" or "prompt").
Result<std::int32_t> completion_budget(const LocalModel& model, std::size_t prompt_tokens,
                                       const std::optional<std::int64_t>& max_tokens, std::string_view prompt_param);

// A logit_bias token outside the vocabulary is a 400 naming logit_bias.
Status check_logit_bias(const LocalModel& model, const api::GenerationParams& params);

// The request of choice `choice` (0-based): the seed, when given, is seed + choice so that n choices differ.
// Stop token ids: the model's end-of-turn tokens (EOS included).
engine::GenerationRequest generation_request(const LocalModel& model, const api::GenerationParams& params,
                                             std::vector<TokenId> prompt, std::int32_t max_tokens,
                                             std::uint64_t seed, std::size_t choice);

// A seed for a call that did not give one.
std::uint64_t random_seed();

}  // namespace sovra::routing
