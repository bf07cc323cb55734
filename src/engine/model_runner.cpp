#include "engine/model_runner.hpp"

#include "common/logging.hpp"
#include "engine/sampling/logprobs.hpp"

namespace sovra::engine {

ModelRunner::ModelRunner(const model::Model& model, ModelRunnerOptions options)
    : model_(model),
      pool_(options.n_threads),
      kv_(model.hparams(), options.n_blocks, options.block_size, options.kv_elem),
      forward_(model, pool_) {}

RunnerOutput ModelRunner::execute(const SchedulerOutput& out) {
  RunnerOutput result;
  items_.clear();
  for (const ScheduledSequence& s : out.sequences) {
    items_.push_back({.tokens = s.tokens,
                      .pos0 = s.pos0,
                      .block_table = s.block_table,
                      .want_logits = s.sample,
                      .all_logits = s.prompt_logprobs});
  }
  const Status st = forward_.forward(items_, kv_, logits_);
  if (!st) Logger("engine").error("forward pass failed", {{"error", st.error().message}});
  const std::size_t n_vocab = model_.hparams().n_vocab;
  std::size_t row = 0;
  for (const ScheduledSequence& s : out.sequences) {
    if (s.prompt_logprobs) {
      result.prompt_logprobs.push_back(prompt_logprobs(s, st ? logits_.data() + row * n_vocab : nullptr));
      row += s.tokens.size() - (s.sample ? 1 : 0);  // the last row, when sampled, is the sample's
    }
    if (!s.sample) continue;
    SampleResult r;
    r.id = s.id;
    if (!st || s.sampler == nullptr) {
      r.failed = true;
    } else {
      const std::span<const float> logits(logits_.data() + row * n_vocab, n_vocab);
      if (s.constraint != nullptr) s.constraint->fill_mask(mask_);
      auto sampled = s.sampler->sample(
          logits, s.history != nullptr ? std::span<const TokenId>(*s.history) : std::span<const TokenId>(),
          s.constraint != nullptr ? &mask_ : nullptr);
      // The constraint advances with the token sampled; a token it refuses (a bug) fails the sequence.
      if (sampled && s.constraint != nullptr && !s.constraint->accept(sampled->token))
        sampled = Error::internal("the token constraint refused the sampled token");
      if (sampled) {
        r.token = sampled->token;
        r.stop_token = sampled->finish == sampling::FinishReason::kStopToken;
        r.logprob = sampled->logprob;
        r.top_logprobs = std::move(sampled->top_logprobs);
      } else {
        r.failed = true;
      }
    }
    ++row;
    result.samples.push_back(std::move(r));
  }
  return result;
}

PromptLogprobs ModelRunner::prompt_logprobs(const ScheduledSequence& s, const float* rows) const {
  PromptLogprobs out;
  out.id = s.id;
  out.first = s.pos0 + 1;
  if (rows == nullptr || s.history == nullptr) return out;  // a failed pass: the sequence fails at its sample
  const std::size_t n_vocab = model_.hparams().n_vocab;
  const auto top_n = static_cast<std::size_t>(s.sampler != nullptr ? s.sampler->params().top_logprobs : 0);
  // Row j holds the distribution of the token after position pos0 + j.
  for (std::size_t j = 0; j < s.tokens.size() && s.pos0 + static_cast<std::int32_t>(j) + 1 < s.n_prompt; ++j) {
    const std::span<const float> logits(rows + j * n_vocab, n_vocab);
    const double norm = sampling::log_normalizer(logits);
    const TokenId next = (*s.history)[static_cast<std::size_t>(s.pos0) + j + 1];
    out.logprobs.push_back(static_cast<float>(static_cast<double>(logits[static_cast<std::size_t>(next)]) - norm));
    sampling::top_logprobs(logits, norm, top_n, out.top.emplace_back());
  }
  return out;
}

}  // namespace sovra::engine
