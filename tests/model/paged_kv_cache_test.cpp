#include "model/paged_kv_cache.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kernels/quant/half.hpp"

namespace sovra::model {
namespace {

HyperParams small_shape() {
  HyperParams hp;
  hp.n_layer = 2;
  hp.n_head = 6;
  hp.n_head_kv = 3;
  hp.head_dim = 8;
  hp.n_embd = hp.n_head * hp.head_dim;
  return hp;
}

// A value for every (layer, block, slot, element) that f16 holds exactly.
float value(std::int32_t layer, std::int32_t block, std::int32_t slot, std::int64_t d, bool v) {
  return static_cast<float>(((layer * 3 + block) * 4 + slot) * 24 + d) * (v ? -0.5f : 0.25f);  // < 2^10 steps
}

// What attention reads: element d of position slot of block through the PagedRows of one KV head.
float through_rows(const kernels::PagedRows& r, std::int32_t block, std::int32_t slot, std::int64_t d) {
  const std::int64_t i = block * r.block_stride + slot * r.row_stride + d;
  return r.elem == kernels::KvElem::kF16 ? kernels::fp16_to_fp32(static_cast<const kernels::Half*>(r.base)[i])
                                         : static_cast<const float*>(r.base)[i];
}

// Every stored element reads back through k_at / v_at and through each KV head's rows, and one head's rows of a
// block are one contiguous run (row after row), the next head's run right after it.
TEST(PagedKvCache, StoresEachKvHeadsRowsOfABlockAsOneRun) {
  const HyperParams hp = small_shape();
  constexpr std::int32_t kBlocks = 3;
  constexpr std::int32_t kBlockSize = 4;
  for (const kernels::KvElem elem : {kernels::KvElem::kF32, kernels::KvElem::kF16}) {
    SCOPED_TRACE(elem == kernels::KvElem::kF16 ? "f16" : "f32");
    PagedKvCache kv(hp, kBlocks, kBlockSize, elem);
    const std::int64_t kv_dim = kv.kv_dim();
    ASSERT_EQ(kv_dim, 24);
    for (std::int32_t layer = 0; layer < 2; ++layer) {
      for (std::int32_t block = 0; block < kBlocks; ++block) {
        for (std::int32_t slot = 0; slot < kBlockSize; ++slot) {
          std::vector<float> k(static_cast<std::size_t>(kv_dim)), v(k.size());
          for (std::int64_t d = 0; d < kv_dim; ++d) {
            k[static_cast<std::size_t>(d)] = value(layer, block, slot, d, false);
            v[static_cast<std::size_t>(d)] = value(layer, block, slot, d, true);
          }
          kv.store(layer, block, slot, k.data(), v.data());
        }
      }
    }
    const std::size_t eb = PagedKvCache::elem_bytes(elem);
    for (std::int32_t layer = 0; layer < 2; ++layer) {
      for (std::int32_t head = 0; head < 3; ++head) {
        const kernels::PagedRows kr = kv.k_rows(layer, head, 8);
        const kernels::PagedRows vr = kv.v_rows(layer, head, 8);
        EXPECT_EQ(kr.row_stride, 8);
        EXPECT_EQ(kr.block_stride, kBlockSize * kv_dim);
        EXPECT_EQ(kr.elem, elem);
        if (head > 0) {  // the previous head's run of block_size rows ends where this one starts
          const kernels::PagedRows prev = kv.k_rows(layer, head - 1, 8);
          EXPECT_EQ(static_cast<const std::byte*>(kr.base) - static_cast<const std::byte*>(prev.base),
                    static_cast<std::ptrdiff_t>(kBlockSize * 8 * eb));
        }
        for (std::int32_t block = 0; block < kBlocks; ++block) {
          for (std::int32_t slot = 0; slot < kBlockSize; ++slot) {
            for (std::int64_t e = 0; e < 8; ++e) {
              const std::int64_t d = head * 8 + e;
              ASSERT_EQ(kv.k_at(layer, block, slot, d), value(layer, block, slot, d, false));
              ASSERT_EQ(kv.v_at(layer, block, slot, d), value(layer, block, slot, d, true));
              ASSERT_EQ(through_rows(kr, block, slot, e), value(layer, block, slot, d, false))
                  << "layer " << layer << " head " << head << " block " << block << " slot " << slot;
              ASSERT_EQ(through_rows(vr, block, slot, e), value(layer, block, slot, d, true));
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace sovra::model
