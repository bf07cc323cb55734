#include "engine/sampling/penalties.hpp"

#include <algorithm>
#include <string>

namespace sovra::sampling {

Status apply_penalties(std::span<float> logits, std::span<const std::int32_t> window, const Penalties& penalties,
                       std::vector<std::int32_t>& scratch) {
  if (window.empty() || !penalties.active()) return {};
  for (const std::int32_t token : window) {
    if (token < 0 || static_cast<std::size_t>(token) >= logits.size()) {
      return Error::invalid("token " + std::to_string(token) + " in the penalty window is outside the vocabulary of " +
                            std::to_string(logits.size()) + " tokens");
    }
  }
  // Sorting a copy groups repeats: O(W log W) in the window, independent of the vocabulary size.
  scratch.assign(window.begin(), window.end());
  std::sort(scratch.begin(), scratch.end());
  for (std::size_t i = 0; i < scratch.size();) {
    const std::int32_t token = scratch[i];
    std::size_t count = 0;
    while (i < scratch.size() && scratch[i] == token) {
      ++count;
      ++i;
    }
    float& logit = logits[static_cast<std::size_t>(token)];
    if (penalties.repetition != 1.0f) {
      logit = logit > 0.0f ? logit / penalties.repetition : logit * penalties.repetition;
    }
    logit -= static_cast<float>(count) * penalties.frequency + penalties.presence;
  }
  return {};
}

}  // namespace sovra::sampling
