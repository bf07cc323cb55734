#pragma once
// Log-probabilities of a logits row, as a sampler reports them to API clients.
//
// Contract: log_normalizer returns log(sum(exp(logits))) computed stably (max-shifted, summed in double) over
// the finite entries; the log-probability of token t is then logits[t] - log_normalizer (-inf for a banned
// token). top_logprobs fills `out` with the n most likely finite tokens, most likely first, ties broken by the
// lower id; fewer when fewer are finite. One pass over the row, O(V * n) worst case and O(V) in practice.
#include <cstddef>
#include <span>
#include <vector>

#include "engine/sampling/types.hpp"

namespace sovra::sampling {

// `logits` must hold at least one finite value.
double log_normalizer(std::span<const float> logits);

void top_logprobs(std::span<const float> logits, double log_normalizer, std::size_t n, std::vector<TokenLogprob>& out);

}  // namespace sovra::sampling
