#pragma once
// BatchedForward: one forward pass over the tokens of many sequences at once — prompt chunks and single decode
// tokens mixed — with each sequence's keys and values in its own blocks of a PagedKvCache.
//
// Contract:
// - forward() runs every weight matrix once over all tokens of the step (one matmul per weight per layer), and
//   attention per token over its own sequence's positions [0, pos] only. A sequence's results do not depend on
//   which other sequences share the step, up to float rounding in the kernels' tiling.
// - Each item's block_table must cover positions [0, pos0 + tokens.size()); KV rows for positions
//   [pos0, pos0 + tokens.size()) are written, those before pos0 must already hold the sequence's keys/values.
//   Items must not write the same block.
// - logits receives, in item order, one row [n_vocab] per token of an item with all_logits (token order), or one
//   row for the last token of an item with want_logits only.
// - Errors (nothing is written): a token id outside the vocabulary, an empty item, a block table too short or
//   naming a block outside the cache.
// - Not thread-safe; uses the given pool for the kernels.
#include <cstdint>
#include <span>
#include <vector>

#include "common/error.hpp"
#include "model/model.hpp"
#include "model/paged_kv_cache.hpp"

namespace sovra::kernels {
class ThreadPool;
}

namespace sovra::model {

struct BatchItem {
  std::span<const std::int32_t> tokens;
  std::int32_t pos0 = 0;
  std::span<const std::int32_t> block_table;
  bool want_logits = false;
  bool all_logits = false;  // a row for every token (prompt logprobs), the last one doubling as want_logits's
};

class BatchedForward {
 public:
  BatchedForward(const Model& model, kernels::ThreadPool& pool);

  Status forward(std::span<const BatchItem> items, PagedKvCache& kv, std::vector<float>& logits);

 private:
  Status validate(std::span<const BatchItem> items, const PagedKvCache& kv) const;
  void reserve(std::int64_t n_tokens, std::int32_t max_pos);
  void attention(std::int32_t layer, std::int64_t n_tokens, const PagedKvCache& kv);
  // Calls f(i) for every token i < n, shared among the pool's threads.
  template <typename F>
  void per_token(std::int64_t n, F&& f);

  const Model& model_;
  kernels::ThreadPool& pool_;
  // Per token of the step.
  std::vector<std::int32_t> tok_item_, tok_pos_;
  const BatchItem* items_ = nullptr;
  // Scratch, [n_tokens, dim] each.
  std::vector<float> x_, xn_, q_, k_, v_, attn_, gate_, up_, scores_;
  std::vector<float> rope_cos_, rope_sin_;  // [n_tokens, n_rot / 2]
  std::int32_t scores_stride_ = 0;
};

}  // namespace sovra::model
