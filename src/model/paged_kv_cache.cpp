#include "model/paged_kv_cache.hpp"

namespace sovra::model {

PagedKvCache::PagedKvCache(const HyperParams& hp, std::int32_t n_blocks, std::int32_t block_size)
    : n_blocks_(n_blocks), block_size_(block_size), kv_dim_(hp.n_embd_kv()) {
  const std::size_t n = static_cast<std::size_t>(hp.n_layer) * static_cast<std::size_t>(n_blocks) *
                        static_cast<std::size_t>(block_size) * static_cast<std::size_t>(kv_dim_);
  k_.assign(n, 0.0f);
  v_.assign(n, 0.0f);
}

std::uint64_t PagedKvCache::block_bytes(const HyperParams& hp, std::int32_t block_size) {
  return std::uint64_t{2} * hp.n_layer * static_cast<std::uint64_t>(block_size) * hp.n_embd_kv() * sizeof(float);
}

}  // namespace sovra::model
