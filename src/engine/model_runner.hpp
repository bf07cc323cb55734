#pragma once
// ModelRunner: the Runner that executes a scheduler step on a real model — one BatchedForward pass over every
// scheduled token, then one Sampler call per sequence that asked for a token, and the log-softmax at the prompt
// positions of sequences that asked for prompt logprobs.
//
// Contract: owns the paged KV tensors (n_blocks × block_size positions) and the compute pool; used by one
// engine thread. A failed forward pass (a bug: the scheduler validated the inputs) or a failed sample marks the
// affected sequences' samples as failed; it never throws.
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/scheduler/step.hpp"
#include "kernels/thread_pool.hpp"
#include "model/batched_forward.hpp"
#include "model/model.hpp"
#include "model/paged_kv_cache.hpp"

namespace sovra::engine {

struct ModelRunnerOptions {
  std::int32_t n_blocks = 256;
  std::int32_t block_size = 16;
  std::int32_t n_threads = 1;
  kernels::KvElem kv_elem = kernels::KvElem::kF16;
};

class ModelRunner final : public Runner {
 public:
  ModelRunner(const model::Model& model, ModelRunnerOptions options);

  RunnerOutput execute(const SchedulerOutput& out) override;

  const model::PagedKvCache& kv() const { return kv_; }

 private:
  // The prompt logprobs of `s` from its logits rows (one per token of the chunk); null rows: none.
  PromptLogprobs prompt_logprobs(const ScheduledSequence& s, const float* rows) const;

  const model::Model& model_;
  kernels::ThreadPool pool_;
  model::PagedKvCache kv_;
  model::BatchedForward forward_;
  std::vector<model::BatchItem> items_;
  std::vector<float> logits_;
  sampling::TokenMask mask_;  // scratch for constrained sequences
};

}  // namespace sovra::engine
