#pragma once
// Truncation steps of the sampler chain (top-k, top-p, min-p) and the final draw, over a list of candidates.
//
// Contract: every function takes candidates whose logits are finite, already divided by the temperature and
// shifted so that the largest is 0 (probabilities are then exp(logit) / sum). Each step keeps at least one
// candidate and the most likely one always survives. Orders are total (logit descending, then id ascending),
// so results never depend on how the standard library sorts ties. Cost: top-k O(n + k log k); top-p selects and
// sorts only the prefix it keeps, in chunks that grow 4x (O(n log(m) + m log m) for a nucleus of m tokens);
// min-p O(n); the draw one exp per candidate.
#include <cstddef>
#include <span>
#include <vector>

#include "engine/sampling/types.hpp"

namespace sovra::sampling {

struct Candidate {
  TokenId id = 0;
  float logit = 0.0f;
};

// True when `a` is more likely than `b`, or as likely with a lower id.
inline bool ranks_before(const Candidate& a, const Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

// Keeps the k most likely, sorted most likely first. k == 0 or k >= size(): keeps all and sorts nothing.
// Returns whether `candidates` is now sorted.
bool keep_top_k(std::vector<Candidate>& candidates, std::size_t k);

// Keeps the shortest most-likely-first prefix whose probability mass reaches top_p (0 < top_p <= 1; 1 keeps
// everything untouched). `sorted` says the list is already in ranks_before order. Leaves the kept prefix sorted
// when it truncates.
void keep_top_p(std::vector<Candidate>& candidates, float top_p, bool sorted);

// Drops candidates whose probability is below min_p times the largest (0 <= min_p <= 1). Keeps the order.
void keep_min_p(std::vector<Candidate>& candidates, float min_p);

// The candidate at which the running sum of probabilities first exceeds u * total (u in [0, 1)), walking the
// list in its order; never one whose probability underflows to 0. `candidates` must not be empty; `cumulative`
// is scratch, reused between calls.
TokenId draw_candidate(std::span<const Candidate> candidates, double u, std::vector<double>& cumulative);

}  // namespace sovra::sampling
