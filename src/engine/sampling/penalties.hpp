#pragma once
// Penalties for tokens that already occur in a sequence: repetition (CTRL, as llama.cpp applies it), presence and
// frequency (OpenAI).
//
// Contract: apply_penalties changes only the logits of tokens that occur in `window`, each once, whatever their
// count: repetition first (logit > 0: logit / repetition; else logit * repetition), then
// logit -= count * frequency + presence. -inf stays -inf. Fails with kInvalidArgument, before changing anything,
// when a window token is outside [0, logits.size()). `scratch` is reused between calls to avoid allocations.
#include <cstdint>
#include <span>
#include <vector>

#include "common/error.hpp"

namespace sovra::sampling {

struct Penalties {
  float repetition = 1.0f;  // 1: off
  float presence = 0.0f;
  float frequency = 0.0f;

  bool active() const { return repetition != 1.0f || presence != 0.0f || frequency != 0.0f; }
};

Status apply_penalties(std::span<float> logits, std::span<const std::int32_t> window, const Penalties& penalties,
                       std::vector<std::int32_t>& scratch);

}  // namespace sovra::sampling
