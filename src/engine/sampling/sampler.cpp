#include "engine/sampling/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "engine/sampling/logprobs.hpp"
#include "engine/sampling/penalties.hpp"
#include "engine/sampling/row.hpp"

namespace sovra::sampling {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

std::string show(float v) {
  if (std::isnan(v)) return "NaN";
  return std::to_string(v);
}

Error out_of_range(const char* param, float v, const char* range) {
  return Error::invalid(std::string(param) + " must be " + range + ", got " + show(v), param);
}

Status check_params(const SamplerParams& p) {
  if (!std::isfinite(p.temperature) || p.temperature < 0.0f) {
    return out_of_range("temperature", p.temperature, "a finite number >= 0");
  }
  if (p.top_k < 0) return Error::invalid("top_k must be >= 0, got " + std::to_string(p.top_k), "top_k");
  if (!(p.top_p > 0.0f && p.top_p <= 1.0f)) return out_of_range("top_p", p.top_p, "in (0, 1]");
  if (!(p.min_p >= 0.0f && p.min_p <= 1.0f)) return out_of_range("min_p", p.min_p, "in [0, 1]");
  if (!std::isfinite(p.repetition_penalty) || p.repetition_penalty <= 0.0f) {
    return out_of_range("repetition_penalty", p.repetition_penalty, "a finite number > 0");
  }
  if (!(p.presence_penalty >= -2.0f && p.presence_penalty <= 2.0f)) {
    return out_of_range("presence_penalty", p.presence_penalty, "in [-2, 2]");
  }
  if (!(p.frequency_penalty >= -2.0f && p.frequency_penalty <= 2.0f)) {
    return out_of_range("frequency_penalty", p.frequency_penalty, "in [-2, 2]");
  }
  if (p.penalty_window < -1) {
    return Error::invalid(
        "penalty_window must be -1 (all), 0 (off) or a count, got " + std::to_string(p.penalty_window),
        "penalty_window");
  }
  for (const LogitBias& b : p.logit_bias) {
    if (b.token < 0) return Error::invalid("logit_bias names token " + std::to_string(b.token), "logit_bias");
    if (std::isnan(b.bias) || b.bias == kInf) {
      return Error::invalid(
          "logit_bias for token " + std::to_string(b.token) + " must be finite or -inf, got " + show(b.bias),
          "logit_bias");
    }
  }
  for (const TokenId t : p.stop_token_ids) {
    if (t < 0) return Error::invalid("stop token id " + std::to_string(t) + " is negative", "stop_token_ids");
  }
  if (p.top_logprobs < 0 || p.top_logprobs > kMaxTopLogprobs) {
    return Error::invalid(
        "top_logprobs must be in [0, " + std::to_string(kMaxTopLogprobs) + "], got " + std::to_string(p.top_logprobs),
        "top_logprobs");
  }
  if (p.top_logprobs > 0 && !p.logprobs) {
    return Error::invalid("top_logprobs needs logprobs to be enabled", "top_logprobs");
  }
  return {};
}

// Copies `logits` into `out`, refusing NaN and +inf (the model produced garbage; sampling from it would silently
// emit an arbitrary token). One branch-free pass; the offending index is searched only on failure.
Status copy_checked(std::span<const float> logits, std::vector<float>& out) {
  if (logits.empty()) return Error::invalid("the logits row is empty");
  if (logits.size() > static_cast<std::size_t>(std::numeric_limits<TokenId>::max())) {
    return Error::invalid("the logits row has more entries than token ids can address");
  }
  out.resize(logits.size());
  bool ok = true;
  for (std::size_t i = 0; i < logits.size(); ++i) {
    out[i] = logits[i];
    ok &= logits[i] < kInf;  // false for NaN and +inf
  }
  if (ok) return {};
  for (std::size_t i = 0; i < logits.size(); ++i) {
    if (!(logits[i] < kInf)) {
      return Error::invalid("logit " + std::to_string(i) + " is " + show(logits[i]) + "; the model output is invalid");
    }
  }
  return {};
}

bool overflowed(float x) { return std::isnan(x) || x == kInf; }

}  // namespace

Sampler::Sampler(SamplerParams params) : params_(std::move(params)), rng_(params_.seed) {}

Result<Sampler> Sampler::create(SamplerParams params) {
  SOVRA_CHECK(check_params(params));
  return Sampler(std::move(params));
}

Status Sampler::apply_bias() {
  for (const LogitBias& b : params_.logit_bias) {
    if (static_cast<std::size_t>(b.token) >= logits_.size()) {
      return Error::invalid("logit_bias names token " + std::to_string(b.token) + ", outside the vocabulary of " +
                                std::to_string(logits_.size()) + " tokens",
                            "logit_bias");
    }
    logits_[static_cast<std::size_t>(b.token)] += b.bias;
  }
  return {};
}

Status Sampler::apply_mask(const TokenMask& mask) {
  if (mask.size() != logits_.size()) {
    return Error::invalid("the token mask covers " + std::to_string(mask.size()) + " tokens, the logits row " +
                          std::to_string(logits_.size()));
  }
  const auto& words = mask.words();
  for (std::size_t w = 0; w < words.size(); ++w) {
    const std::uint64_t bits = words[w];
    if (bits == ~std::uint64_t{0}) continue;
    const std::size_t end = std::min(logits_.size(), (w + 1) * 64);
    for (std::size_t i = w * 64; i < end; ++i) {
      if (((bits >> (i & 63)) & 1) == 0) logits_[i] = -kInf;
    }
  }
  return {};
}

TokenId Sampler::sample_from_candidates(float max_logit) {
  const float inv_temperature = 1.0f / params_.temperature;
  candidates_.clear();
  for (std::size_t i = 0; i < logits_.size(); ++i) {
    if (logits_[i] == -kInf) continue;
    // Shifting before scaling keeps every value <= 0, so a small temperature cannot overflow.
    candidates_.push_back({static_cast<TokenId>(i), (logits_[i] - max_logit) * inv_temperature});
  }
  const bool sorted = keep_top_k(candidates_, static_cast<std::size_t>(params_.top_k));
  keep_top_p(candidates_, params_.top_p, sorted);
  keep_min_p(candidates_, params_.min_p);
  return draw_candidate(candidates_, rng_.uniform(), cumulative_);
}

Result<SampledToken> Sampler::sample(std::span<const float> logits, std::span<const TokenId> recent_tokens,
                                     const TokenMask* mask) {
  SOVRA_CHECK(copy_checked(logits, logits_));

  std::span<const TokenId> window = recent_tokens;
  if (params_.penalty_window == 0) {
    window = {};
  } else if (params_.penalty_window > 0 && window.size() > static_cast<std::size_t>(params_.penalty_window)) {
    window = window.last(static_cast<std::size_t>(params_.penalty_window));
  }
  const Penalties penalties{.repetition = params_.repetition_penalty,
                            .presence = params_.presence_penalty,
                            .frequency = params_.frequency_penalty};
  SOVRA_CHECK(apply_penalties(logits_, window, penalties, window_));
  SOVRA_CHECK(apply_bias());
  // Only penalised and biased entries changed; a huge bias or a repetition penalty below 1 can push them past
  // the float range.
  const bool changed_overflow =
      (penalties.active() &&
       std::any_of(window.begin(), window.end(),
                   [&](TokenId t) { return overflowed(logits_[static_cast<std::size_t>(t)]); })) ||
      std::any_of(params_.logit_bias.begin(), params_.logit_bias.end(),
                  [&](const LogitBias& b) { return overflowed(logits_[static_cast<std::size_t>(b.token)]); });
  if (changed_overflow) return Error::invalid("a logit overflowed after penalties and logit_bias");
  if (mask != nullptr) SOVRA_CHECK(apply_mask(*mask));

  const TokenId best = row_argmax(logits_);
  const float max_logit = logits_[static_cast<std::size_t>(best)];
  if (max_logit == -kInf) {
    if (mask != nullptr) return Error::invalid("every token is banned (-inf) after logit_bias and the token mask");
    return Error::invalid("every token is banned (-inf) after penalties and logit_bias; nothing can be sampled",
                          "logit_bias");
  }

  SampledToken out;
  out.token = params_.temperature < kGreedyBelowTemperature ? best : sample_from_candidates(max_logit);
  if (params_.logprobs) {
    const double log_z = log_normalizer(logits_);
    out.logprob = static_cast<float>(static_cast<double>(logits_[static_cast<std::size_t>(out.token)]) - log_z);
    top_logprobs(logits_, log_z, static_cast<std::size_t>(params_.top_logprobs), out.top_logprobs);
  }
  if (std::find(params_.stop_token_ids.begin(), params_.stop_token_ids.end(), out.token) !=
      params_.stop_token_ids.end()) {
    out.finish = FinishReason::kStopToken;
  }
  return out;
}

}  // namespace sovra::sampling
