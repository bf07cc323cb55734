#include "engine/sampling/truncation.hpp"

#include <algorithm>
#include <cmath>

namespace sovra::sampling {

namespace {

// First chunk of the incremental sort in keep_top_p; each later chunk is 4x larger. Nuclei are usually a few
// dozen tokens, so most calls sort 64 of a 32k-150k vocabulary once.
constexpr std::size_t kFirstTopPChunk = 64;
// Up to this many, the best of a range are found by heap selection (std::partial_sort: one comparison against
// the heap's worst for almost every element); beyond, by std::nth_element and a sort of the selection.
constexpr std::size_t kHeapSelectMax = 1024;

// Moves the `count` best of [first, last) to its front, sorted; the rest is left in unspecified order.
template <typename It>
void select_best(It first, std::size_t count, It last) {
  const It mid = first + static_cast<std::ptrdiff_t>(count);
  if (count <= kHeapSelectMax) {
    std::partial_sort(first, mid, last, ranks_before);
    return;
  }
  if (mid != last) std::nth_element(first, mid, last, ranks_before);
  std::sort(first, mid, ranks_before);
}

double total_mass(std::span<const Candidate> candidates) {
  double total = 0.0;
  for (const Candidate& c : candidates) total += std::exp(static_cast<double>(c.logit));
  return total;
}

}  // namespace

bool keep_top_k(std::vector<Candidate>& candidates, std::size_t k) {
  if (k == 0 || k >= candidates.size()) return false;
  select_best(candidates.begin(), k, candidates.end());
  candidates.resize(k);
  return true;
}

void keep_top_p(std::vector<Candidate>& candidates, float top_p, bool sorted) {
  if (top_p >= 1.0f || candidates.size() <= 1) return;
  const std::size_t n = candidates.size();
  const double target = static_cast<double>(top_p) * total_mass(candidates);
  std::size_t sorted_end = sorted ? n : 0;
  std::size_t chunk = kFirstTopPChunk;
  double mass = 0.0;
  std::size_t kept = 0;
  while (kept < n) {
    if (kept == sorted_end) {
      // The unsorted tail holds only candidates ranked after the sorted prefix, so moving the best `chunk` of
      // the tail to its front, sorted, extends the prefix.
      const std::size_t end = std::min(n, sorted_end + chunk);
      select_best(candidates.begin() + static_cast<std::ptrdiff_t>(sorted_end), end - sorted_end, candidates.end());
      sorted_end = end;
      chunk *= 4;
    }
    mass += std::exp(static_cast<double>(candidates[kept].logit));
    ++kept;
    if (mass >= target) break;
  }
  candidates.resize(kept);
}

void keep_min_p(std::vector<Candidate>& candidates, float min_p) {
  if (min_p <= 0.0f) return;
  // p / p_max = exp(logit) because the largest logit is 0.
  const float threshold = std::log(min_p);
  std::erase_if(candidates, [threshold](const Candidate& c) { return c.logit < threshold; });
}

TokenId draw_candidate(std::span<const Candidate> candidates, double u, std::vector<double>& cumulative) {
  // One exp per candidate: running sums, then a binary search for the first sum above u * total. Candidates
  // whose probability underflows to 0 add nothing, so the first sum above the target is never theirs.
  cumulative.resize(candidates.size());
  double mass = 0.0;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    mass += std::exp(static_cast<double>(candidates[i].logit));
    cumulative[i] = mass;
  }
  const double target = u * mass;
  auto it = std::upper_bound(cumulative.begin(), cumulative.end(), target);
  // Past the end only through rounding when u is within an ulp of 1: take the last candidate with mass.
  if (it == cumulative.end()) it = std::lower_bound(cumulative.begin(), cumulative.end(), mass);
  return candidates[static_cast<std::size_t>(it - cumulative.begin())].id;
}

}  // namespace sovra::sampling
