#pragma once
// Whole-row reductions over a logits row, written for speed on 32k-150k entries.
//
// Contract: `row` must not be empty and holds no NaN (the sampler rejects NaN first). row_max is the largest
// value (-inf when all are -inf); row_argmax the lowest index holding it.
#include <span>

#include "engine/sampling/types.hpp"

namespace sovra::sampling {

float row_max(std::span<const float> row);
TokenId row_argmax(std::span<const float> row);

}  // namespace sovra::sampling
