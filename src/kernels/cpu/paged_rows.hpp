#pragma once
// Walking the rows of one KV head in a paged cache (kernels::PagedRows), shared by the AVX2 and AVX-512 attention
// units: compiled with their flags, included after <immintrin.h>. Internal linkage throughout, so no definition here
// ever meets one compiled with other flags.
#include <cstdint>

#include "kernels/ops.hpp"

namespace sovra::kernels::cpu {
namespace {

inline constexpr std::int32_t kPrefetchRowsAhead = 16;  // ~a block: enough to cover a miss to memory

// Calls f(j, row) for positions j < n, in order, where row points at position j's elements (T: float for
// KvElem::kF32 rows, std::uint16_t for kF16), prefetching the bytes [offset, offset + bytes) of the row
// kPrefetchRowsAhead positions on, across block boundaries too (the hardware prefetcher does not follow the block
// table; bytes 0: no prefetch). offset and bytes are in bytes.
template <typename T, typename F>
inline void for_paged_rows(const PagedRows& r, std::int32_t n, std::int32_t offset, std::int32_t bytes, F&& f) {
  const T* base = static_cast<const T*>(r.base);
  for (std::int32_t j0 = 0; j0 < n; j0 += r.block_size) {
    const T* block = base + static_cast<std::int64_t>(r.block_table[j0 / r.block_size]) * r.block_stride;
    const std::int32_t m = n - j0 < r.block_size ? n - j0 : r.block_size;
    for (std::int32_t i = 0; i < m; ++i) {
      const std::int32_t ahead = j0 + i + kPrefetchRowsAhead;
      if (bytes > 0 && ahead < n) {
        const T* row = i + kPrefetchRowsAhead < m
                           ? block + (i + kPrefetchRowsAhead) * r.row_stride
                           : base + static_cast<std::int64_t>(r.block_table[ahead / r.block_size]) * r.block_stride +
                                 (ahead % r.block_size) * r.row_stride;
        const char* p = reinterpret_cast<const char*>(row) + offset;
        for (std::int32_t l = 0; l < bytes; l += 64) _mm_prefetch(p + l, _MM_HINT_T0);
      }
      f(j0 + i, block + i * r.row_stride);
    }
  }
}

}  // namespace
}  // namespace sovra::kernels::cpu
