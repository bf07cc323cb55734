#pragma once
// PagedKvCache: the K and V tensors of a paged KV cache — n_blocks fixed-size blocks per layer, f16 (the default:
// half the memory, as llama.cpp's cache) or f32. Which block belongs to which sequence is decided elsewhere
// (engine/kv/block_pool.hpp); a forward pass addresses position p of a sequence as slot p % block_size of block
// block_table[p / block_size].
//
// Contract: immutable shape after construction; the contents are written by BatchedForward only, through store()
// (f16: each value rounded to nearest even). Not thread-safe (one engine thread owns it).
#include <cstddef>
#include <cstdint>

#include "common/huge_pages.hpp"
#include "kernels/ops.hpp"
#include "model/hparams.hpp"

namespace sovra::model {

using kernels::KvElem;

class PagedKvCache {
 public:
  PagedKvCache(const HyperParams& hp, std::int32_t n_blocks, std::int32_t block_size, KvElem elem = KvElem::kF16);

  // Bytes one block costs over all layers (K and V): how a memory budget becomes a block count.
  static std::uint64_t block_bytes(const HyperParams& hp, std::int32_t block_size, KvElem elem = KvElem::kF16);
  static std::size_t elem_bytes(KvElem elem) { return elem == KvElem::kF16 ? 2 : 4; }

  std::int32_t n_blocks() const { return n_blocks_; }
  std::int32_t block_size() const { return block_size_; }
  std::int64_t kv_dim() const { return kv_dim_; }
  KvElem elem() const { return elem_; }
  std::uint64_t bytes() const { return 2 * bytes_; }

  // Writes the K and V rows ([kv_dim] floats each) of position `slot` of `block` in `layer`.
  void store(std::int32_t layer, std::int32_t block, std::int32_t slot, const float* k, const float* v);
  // Element d of that K or V row, as a float (tests, debugging).
  float k_at(std::int32_t layer, std::int32_t block, std::int32_t slot, std::int64_t d) const;
  float v_at(std::int32_t layer, std::int32_t block, std::int32_t slot, std::int64_t d) const;

  // The rows of KV head `head` in `layer`, for kernels::attend_group (block_table filled in by the caller).
  kernels::PagedRows k_rows(std::int32_t layer, std::int32_t head, std::int32_t head_dim) const {
    return rows(k_data(), layer, head, head_dim);
  }
  kernels::PagedRows v_rows(std::int32_t layer, std::int32_t head, std::int32_t head_dim) const {
    return rows(v_data(), layer, head, head_dim);
  }

 private:
  // Element index of element d (of kv_dim) of position `slot` of `block` in `layer`: a block holds its positions
  // head by head, [n_head_kv][block_size][head_dim], so one head's rows of a block are one contiguous run.
  std::size_t index(std::int32_t layer, std::int32_t block, std::int32_t slot, std::int64_t d) const {
    const auto head = static_cast<std::size_t>(d / head_dim_);
    return (static_cast<std::size_t>(layer) * n_blocks_ + static_cast<std::size_t>(block)) *
               static_cast<std::size_t>(block_size_) * static_cast<std::size_t>(kv_dim_) +
           (head * static_cast<std::size_t>(block_size_) + static_cast<std::size_t>(slot)) *
               static_cast<std::size_t>(head_dim_) +
           static_cast<std::size_t>(d % head_dim_);
  }
  kernels::PagedRows rows(const std::byte* data, std::int32_t layer, std::int32_t head, std::int32_t head_dim) const;
  float at(const std::byte* data, std::size_t i) const;

  std::int32_t n_blocks_;
  std::int32_t block_size_;
  std::int64_t kv_dim_;
  std::int64_t head_dim_;
  KvElem elem_;
  std::size_t bytes_;  // of K, and of V
  // K then V, each [n_layer][n_blocks][n_head_kv][block_size][head_dim] elements of elem_, in one zeroed
  // allocation on transparent huge pages (attention walks blocks scattered over the whole cache through the block
  // tables). Head-major within a block: attention reads one KV head's rows at a time, and with the heads
  // interleaved per position (a 128-byte f16 row every 512 bytes for 4 heads of 64) the hardware prefetchers
  // pulled in the other heads' lines too.
  common::HugePageBuffer data_;
  std::byte* k_data() const { return data_.get(); }
  std::byte* v_data() const { return data_.get() + bytes_; }
};

}  // namespace sovra::model
