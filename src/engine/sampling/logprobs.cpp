#include "engine/sampling/logprobs.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/sampling/row.hpp"

namespace sovra::sampling {

double log_normalizer(std::span<const float> logits) {
  const float max = row_max(logits);
  double sum = 0.0;
  for (const float x : logits) sum += std::exp(static_cast<double>(x) - static_cast<double>(max));
  return static_cast<double>(max) + std::log(sum);
}

void top_logprobs(std::span<const float> logits, double log_normalizer, std::size_t n, std::vector<TokenLogprob>& out) {
  out.clear();
  if (n == 0) return;
  // `out` stays sorted best first; a token enters only when it beats the current worst, so after the first n
  // entries most of the row costs one comparison.
  const auto better = [](float a_logit, TokenId a_id, const TokenLogprob& b) {
    return a_logit > b.logprob || (a_logit == b.logprob && a_id < b.token);
  };
  for (std::size_t i = 0; i < logits.size(); ++i) {
    const float x = logits[i];
    if (x == -std::numeric_limits<float>::infinity()) continue;
    const auto id = static_cast<TokenId>(i);
    if (out.size() == n && !better(x, id, out.back())) continue;
    const auto at =
        std::find_if(out.begin(), out.end(), [&](const TokenLogprob& e) { return better(x, id, e); }) - out.begin();
    if (out.size() == n) out.pop_back();
    out.insert(out.begin() + at, TokenLogprob{id, x});
  }
  // Entries held raw logits while ranking; convert at the end so ranking never mixes units.
  for (TokenLogprob& e : out) e.logprob = static_cast<float>(static_cast<double>(e.logprob) - log_normalizer);
}

}  // namespace sovra::sampling
