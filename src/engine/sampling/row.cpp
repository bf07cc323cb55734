#include "engine/sampling/row.hpp"

#include <array>
#include <cstddef>
#include <limits>

namespace sovra::sampling {

float row_max(std::span<const float> row) {
  // Eight independent running maxima: a single one is a loop-carried dependency (compare, then select) that
  // costs several cycles per element; eight let the CPU (or the vectoriser) overlap them.
  constexpr std::size_t kLanes = 8;
  std::array<float, kLanes> lane;
  lane.fill(-std::numeric_limits<float>::infinity());
  const std::size_t n = row.size();
  const std::size_t blocked = n - n % kLanes;
  for (std::size_t i = 0; i < blocked; i += kLanes) {
    for (std::size_t j = 0; j < kLanes; ++j) lane[j] = row[i + j] > lane[j] ? row[i + j] : lane[j];
  }
  float best = -std::numeric_limits<float>::infinity();
  for (std::size_t i = blocked; i < n; ++i) best = row[i] > best ? row[i] : best;
  for (const float m : lane) best = m > best ? m : best;
  return best;
}

TokenId row_argmax(std::span<const float> row) {
  const float best = row_max(row);
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (row[i] == best) return static_cast<TokenId>(i);
  }
  return 0;  // unreachable for a row without NaN
}

}  // namespace sovra::sampling
