#pragma once
// PagedKvCache: the K and V tensors of a paged KV cache — n_blocks fixed-size blocks per layer, f32. Which
// block belongs to which sequence is decided elsewhere (engine/kv/block_pool.hpp); a forward pass addresses
// position p of a sequence as slot p % block_size of block block_table[p / block_size].
//
// Contract: immutable shape after construction; the contents are written by BatchedForward only. Not
// thread-safe (one engine thread owns it).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/hparams.hpp"

namespace sovra::model {

class PagedKvCache {
 public:
  PagedKvCache(const HyperParams& hp, std::int32_t n_blocks, std::int32_t block_size);

  // Bytes one block costs over all layers (K and V): how a memory budget becomes a block count.
  static std::uint64_t block_bytes(const HyperParams& hp, std::int32_t block_size);

  std::int32_t n_blocks() const { return n_blocks_; }
  std::int32_t block_size() const { return block_size_; }
  std::int64_t kv_dim() const { return kv_dim_; }
  std::uint64_t bytes() const { return (k_.size() + v_.size()) * sizeof(float); }

  // The row of position `slot` of `block` in `layer`: [kv_dim] floats.
  float* k(std::int32_t layer, std::int32_t block, std::int32_t slot) { return k_.data() + offset(layer, block, slot); }
  float* v(std::int32_t layer, std::int32_t block, std::int32_t slot) { return v_.data() + offset(layer, block, slot); }
  const float* k(std::int32_t layer, std::int32_t block, std::int32_t slot) const {
    return k_.data() + offset(layer, block, slot);
  }
  const float* v(std::int32_t layer, std::int32_t block, std::int32_t slot) const {
    return v_.data() + offset(layer, block, slot);
  }

 private:
  std::size_t offset(std::int32_t layer, std::int32_t block, std::int32_t slot) const {
    return ((static_cast<std::size_t>(layer) * n_blocks_ + static_cast<std::size_t>(block)) * block_size_ +
            static_cast<std::size_t>(slot)) *
           static_cast<std::size_t>(kv_dim_);
  }

  std::int32_t n_blocks_;
  std::int32_t block_size_;
  std::int64_t kv_dim_;
  std::vector<float> k_;  // [n_layer][n_blocks][block_size][kv_dim]
  std::vector<float> v_;
};

}  // namespace sovra::model
