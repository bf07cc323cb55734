#pragma once
// Sampler: turns one row of logits into the next token of one sequence.
//
// Contract:
// - Sampler::create checks SamplerParams (ranges are documented on each field; NaN anywhere is an error) and
//   returns a Sampler that owns its PRNG state and scratch buffers. One Sampler serves one sequence: sample()
//   mutates it and must not be called concurrently. Buffers are sized on the first call and reused afterwards.
// - sample(logits, recent_tokens) never throws and never reads outside its inputs. It fails with
//   kInvalidArgument when logits is empty, holds a NaN or +inf, when every token is banned (all -inf after
//   penalties and bias), when penalties or bias overflow a logit, or when a token in recent_tokens or
//   logit_bias is outside [0, logits.size()).
// - The chain, in this order:
//     1. penalties over the last `penalty_window` entries of recent_tokens (the caller decides whether that
//        history includes the prompt): repetition (CTRL / llama.cpp: a positive logit is divided by the
//        penalty, a non-positive one multiplied), then presence and frequency (OpenAI:
//        logit -= count * frequency_penalty + (count > 0) * presence_penalty);
//     2. logit_bias (added; -inf bans a token), then the optional TokenMask (grammar-constrained decoding:
//        every token whose bit is clear becomes -inf; a mask sized differently from logits is an error);
//     3. logprobs are taken here, see below;
//     4. temperature 0 (or below kGreedyBelowTemperature): argmax, lowest id on ties; steps 5-9 are skipped;
//     5. temperature; 6. top-k; 7. top-p (the smallest prefix, by probability, whose mass reaches top_p);
//     8. min-p (drop tokens whose probability is below min_p times the most likely one's);
//     9. one draw from what is left, renormalised.
//   Steps 6-8 act on the distribution after temperature, as Hugging Face and vLLM do.
// - Logprobs are the log-softmax of the logits after steps 1-2: the model's distribution with the request's
//   penalties, bias and mask (a grammar renormalises over the tokens it allows), before temperature and
//   truncation. That is what OpenAI's logprobs describe (how likely the model finds each token, not how this
//   request happened to sample): a token that truncation removed still
//   has its true log-probability, and greedy and sampled requests report the same numbers for the same logits.
//   Banned tokens (-inf) never appear among the alternatives. Cost: one exp per vocabulary entry, only when
//   logprobs is set.
// - Determinism: the PRNG is Rng (xoshiro256**, see rng.hpp) seeded with `seed`, one draw per sampled token,
//   and every ordering is a total order (logit descending, then id ascending), so the same params and the same
//   sequence of inputs give the same tokens whatever the standard library (libm's exp() aside, which may differ
//   in the last bit between platforms).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/error.hpp"
#include "engine/sampling/rng.hpp"
#include "engine/sampling/token_mask.hpp"
#include "engine/sampling/truncation.hpp"
#include "engine/sampling/types.hpp"

namespace sovra::sampling {

// Positive temperatures below this are treated as 0 (greedy): dividing by them would overflow.
inline constexpr float kGreedyBelowTemperature = 1e-5f;
inline constexpr std::int32_t kMaxTopLogprobs = 20;

struct LogitBias {
  TokenId token = 0;
  float bias = 0.0f;  // finite or -inf (ban); entries for the same token add up
};

struct SamplerParams {
  float temperature = 1.0f;          // >= 0, finite; 0: greedy
  std::int32_t top_k = 0;            // >= 0; 0: off; larger than the vocabulary: off
  float top_p = 1.0f;                // (0, 1]; 1: off
  float min_p = 0.0f;                // [0, 1]; 0: off
  float repetition_penalty = 1.0f;   // > 0, finite; 1: off
  float presence_penalty = 0.0f;     // [-2, 2] (OpenAI's range)
  float frequency_penalty = 0.0f;    // [-2, 2]
  std::int32_t penalty_window = 64;  // last N of recent_tokens; -1: all of them; 0: penalties off
  std::vector<LogitBias> logit_bias;
  std::uint64_t seed = 0;
  std::vector<TokenId> stop_token_ids;  // sampling one of these reports FinishReason::kStopToken
  bool logprobs = false;                // report the chosen token's log-probability
  std::int32_t top_logprobs = 0;        // [0, kMaxTopLogprobs] alternatives; needs logprobs
};

enum class FinishReason : std::uint8_t {
  kNone,       // keep generating
  kStopToken,  // the token is one of stop_token_ids: the caller ends the sequence (and does not print it)
};

struct SampledToken {
  TokenId token = 0;
  FinishReason finish = FinishReason::kNone;
  float logprob = 0.0f;                    // of `token`; set when params.logprobs
  std::vector<TokenLogprob> top_logprobs;  // most likely first (ties: lower id first); params.top_logprobs long
};

class Sampler {
 public:
  static Result<Sampler> create(SamplerParams params);

  // `logits`: [n_vocab] raw model output for the next position. `recent_tokens`: the sequence so far, oldest
  // first (only its last penalty_window entries are read). `mask`: null, or the tokens allowed at this step.
  Result<SampledToken> sample(std::span<const float> logits, std::span<const TokenId> recent_tokens = {},
                              const TokenMask* mask = nullptr);

  const SamplerParams& params() const { return params_; }

 private:
  explicit Sampler(SamplerParams params);

  Status apply_bias();
  Status apply_mask(const TokenMask& mask);
  TokenId sample_from_candidates(float max_logit);

  SamplerParams params_;
  Rng rng_;
  std::vector<float> logits_;          // [n_vocab] working copy
  std::vector<TokenId> window_;        // scratch: the penalty window, sorted
  std::vector<Candidate> candidates_;  // scratch: tokens still in play
  std::vector<double> cumulative_;     // scratch: running probability mass of the candidates
};

}  // namespace sovra::sampling
