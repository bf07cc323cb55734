#include "model/paged_kv_cache.hpp"

#include <cassert>
#include <cstring>
#include <new>

#include "common/huge_pages.hpp"
#include "gguf/types.hpp"
#include "kernels/quant.hpp"
#include "kernels/quant/half.hpp"

namespace sovra::model {

PagedKvCache::PagedKvCache(const HyperParams& hp, std::int32_t n_blocks, std::int32_t block_size, KvElem elem)
    : n_blocks_(n_blocks),
      block_size_(block_size),
      kv_dim_(hp.n_embd_kv()),
      head_dim_(hp.head_dim),
      elem_(elem),
      bytes_(static_cast<std::size_t>(hp.n_layer) * static_cast<std::size_t>(n_blocks) *
             static_cast<std::size_t>(block_size) * static_cast<std::size_t>(kv_dim_) * elem_bytes(elem)) {
  data_ = common::allocate_huge_pages(2 * bytes_);
  if (!data_) throw std::bad_alloc();
  std::memset(data_.get(), 0, 2 * bytes_);
}

std::uint64_t PagedKvCache::block_bytes(const HyperParams& hp, std::int32_t block_size, KvElem elem) {
  return std::uint64_t{2} * hp.n_layer * static_cast<std::uint64_t>(block_size) * hp.n_embd_kv() * elem_bytes(elem);
}

void PagedKvCache::store(std::int32_t layer, std::int32_t block, std::int32_t slot, const float* k, const float* v) {
  for (std::int64_t d = 0; d < kv_dim_; d += head_dim_) {  // head by head: each head's rows are a run of their own
    const std::size_t off = index(layer, block, slot, d) * elem_bytes(elem_);
    if (elem_ == KvElem::kF32) {
      std::memcpy(k_data() + off, k + d, static_cast<std::size_t>(head_dim_) * sizeof(float));
      std::memcpy(v_data() + off, v + d, static_cast<std::size_t>(head_dim_) * sizeof(float));
      continue;
    }
    // head_dim is a whole number of elements: the F16 row check cannot fail.
    (void)kernels::quantize_row(gguf::GgmlType::kF16, k + d, k_data() + off, head_dim_);
    (void)kernels::quantize_row(gguf::GgmlType::kF16, v + d, v_data() + off, head_dim_);
  }
}

float PagedKvCache::at(const std::byte* data, std::size_t i) const {
  if (elem_ == KvElem::kF32) {
    float f;
    std::memcpy(&f, data + i * sizeof(float), sizeof f);
    return f;
  }
  kernels::Half h;
  std::memcpy(&h, data + i * sizeof h, sizeof h);
  return kernels::fp16_to_fp32(h);
}

float PagedKvCache::k_at(std::int32_t layer, std::int32_t block, std::int32_t slot, std::int64_t d) const {
  return at(k_data(), index(layer, block, slot, d));
}

float PagedKvCache::v_at(std::int32_t layer, std::int32_t block, std::int32_t slot, std::int64_t d) const {
  return at(v_data(), index(layer, block, slot, d));
}

kernels::PagedRows PagedKvCache::rows(const std::byte* data, std::int32_t layer, std::int32_t head,
                                      std::int32_t head_dim) const {
  assert(head_dim == head_dim_);  // the layout is the cache's own (hp.head_dim)
  (void)head_dim;
  const std::size_t first = index(layer, 0, 0, static_cast<std::int64_t>(head) * head_dim_);
  return {.base = data + first * elem_bytes(elem_),
          .block_table = nullptr,
          .block_size = block_size_,
          .block_stride = static_cast<std::int64_t>(block_size_) * kv_dim_,
          .row_stride = head_dim_,
          .elem = elem_};
}

}  // namespace sovra::model
