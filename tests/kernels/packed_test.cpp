#include "kernels/packed.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <tuple>
#include <vector>

#include "kernel_test_util.hpp"
#include "kernels/cpu/avx512.hpp"
#include "kernels/cpu/kernel_table.hpp"
#include "kernels/quant.hpp"
#include "kernels/quant/blocks.hpp"
#include "kernels/quant/half.hpp"

namespace sovra::kernels {
namespace {

using gguf::GgmlType;
using namespace test_util;

constexpr std::int64_t kRows = 3 * kPackedGroupRows + 5;  // whole groups and a plain tail

struct Case {
  GgmlType type;
  WeightLayout layout;
  std::int64_t cols;  // not a multiple of any unrolling: 9 blocks / 3 super-blocks
};
constexpr Case kCases[] = {{GgmlType::kQ4_0, WeightLayout::kQ4_0x16, 288},
                           {GgmlType::kQ4_K, WeightLayout::kQ4_Kx16, 768},
                           {GgmlType::kQ6_K, WeightLayout::kQ6_Kx16, 768}};

std::vector<std::uint8_t> random_matrix(std::mt19937& rng, GgmlType t, std::int64_t rows, std::int64_t cols) {
  std::vector<std::uint8_t> m;
  for (std::int64_t r = 0; r < rows; ++r) {
    const auto row = random_row(rng, t, cols);
    m.insert(m.end(), row.begin(), row.end());
  }
  return m;
}

TEST(PackedWeights, RepackThenUnpackGivesEveryRowBack) {
  std::mt19937 rng(7);
  ThreadPool pool(2);
  for (const Case& c : kCases) {
    for (std::int64_t rows : {std::int64_t{16}, kRows, std::int64_t{5}}) {
      const auto plain = random_matrix(rng, c.type, rows, c.cols);  // random bytes: every bit pattern
      const WeightView w{.type = c.type, .data = plain.data(), .rows = rows, .cols = c.cols};
      const std::int64_t groups = rows / kPackedGroupRows;
      const std::int64_t rb = row_bytes(c.type, c.cols);
      ASSERT_EQ(layout_bytes(w, c.layout), groups * group_bytes(c.layout, c.cols) + (rows - groups * 16) * rb);
      std::vector<std::uint8_t> packed(static_cast<std::size_t>(layout_bytes(w, c.layout)), 0xAA);
      repack(w, c.layout, packed.data(), pool);
      if (rows >= kPackedGroupRows) {
        EXPECT_NE(0, std::memcmp(packed.data(), plain.data(), 256)) << "the layout must differ from GGUF's";
      }
      WeightView pw = w;
      pw.data = packed.data();
      pw.layout = c.layout;
      std::vector<std::uint8_t> row(static_cast<std::size_t>(rb));
      for (std::int64_t r = 0; r < rows; ++r) {
        unpack_row(pw, r, row.data());
        ASSERT_EQ(0, std::memcmp(row.data(), plain.data() + r * rb, static_cast<std::size_t>(rb)))
            << gguf::type_name(c.type) << " rows=" << rows << " row " << r;
      }
    }
  }
}

enum class Kernels { kBest, kNoAvx512, kReference };

class PackedMatmul : public ::testing::TestWithParam<std::tuple<int, Kernels>> {
 protected:
  void SetUp() override {
    force_reference(std::get<1>(GetParam()) == Kernels::kReference);
    disable_avx512(std::get<1>(GetParam()) == Kernels::kNoAvx512);
  }
  void TearDown() override {
    force_reference(false);
    disable_avx512(false);
  }
};

// The packed matrix gives the plain one's products (same 8-bit activations, same integer block sums), up to the
// order of the float summation, for every token count the kernel blocks differently and with 1 or 2 threads.
TEST_P(PackedMatmul, EqualsThePlainLayout) {
  const Case& c = kCases[std::get<0>(GetParam())];
  std::mt19937 rng(11);
  // Quantized from floats (not random bytes): realistic scales, so the tolerance below is meaningful.
  std::vector<std::uint8_t> plain(static_cast<std::size_t>(kRows * row_bytes(c.type, c.cols)));
  const std::vector<float> values = random_floats(rng, kRows * c.cols, 0.05f);
  ASSERT_TRUE(quantize_row(c.type, values.data(), plain.data(), kRows * c.cols).has_value());
  const WeightView w{.type = c.type, .data = plain.data(), .rows = kRows, .cols = c.cols};
  std::vector<std::uint8_t> packed(static_cast<std::size_t>(layout_bytes(w, c.layout)));
  ThreadPool pack_pool(1);
  repack(w, c.layout, packed.data(), pack_pool);
  WeightView pw = w;
  pw.data = packed.data();
  pw.layout = c.layout;
  const std::int64_t rb = row_bytes(c.type, c.cols);
  const GgmlType act_type = cpu::reference_kernels(c.type)->act_type;
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    for (std::int64_t n_tokens : {1, 3, 4, 8, 9, 17}) {
      const std::vector<float> x = random_floats(rng, n_tokens * c.cols);
      std::vector<float> want(static_cast<std::size_t>(n_tokens * kRows), NAN);
      std::vector<float> got(want.size(), NAN);
      matmul(w, x.data(), n_tokens, want.data(), pool);
      matmul(pw, x.data(), n_tokens, got.data(), pool);
      for (std::int64_t t = 0; t < n_tokens; ++t) {
        std::vector<float> a(static_cast<std::size_t>(c.cols));
        std::vector<std::uint8_t> enc(static_cast<std::size_t>(row_bytes(act_type, c.cols)));
        ASSERT_TRUE(quantize_row(act_type, x.data() + t * c.cols, enc.data(), c.cols).has_value());
        ASSERT_TRUE(dequantize_row(act_type, enc.data(), a.data(), c.cols).has_value());
        for (std::int64_t r = 0; r < kRows; ++r) {
          const std::vector<std::uint8_t> wrow(plain.begin() + r * rb, plain.begin() + (r + 1) * rb);
          const double tol = 2 * dot_tolerance(c.type, c.cols, error_scale(c.type, wrow, a));
          const auto i = static_cast<std::size_t>(t * kRows + r);
          ASSERT_FALSE(std::isnan(got[i])) << "row " << r << " token " << t << " not written";
          ASSERT_NEAR(got[i], want[i], tol) << gguf::type_name(c.type) << " threads=" << threads
                                            << " tokens=" << n_tokens << " t=" << t << " r=" << r;
        }
      }
    }
  }
}

// matmul_many gives each weight's matmul exactly (the shared path runs the same kernel on the same activations),
// packed or not, with groups of different sizes and a weight with a plain tail that takes the per-weight path.
TEST_P(PackedMatmul, ManyEqualsOneAtATime) {
  const Case& c = kCases[std::get<0>(GetParam())];
  std::mt19937 rng(5);
  ThreadPool pool(2);
  for (bool with_tail : {false, true}) {
    const std::int64_t rows[] = {2 * kPackedGroupRows, kPackedGroupRows, with_tail ? kRows : 3 * kPackedGroupRows};
    std::vector<std::vector<std::uint8_t>> store;
    std::vector<WeightView> ws;
    for (std::int64_t r : rows) {
      std::vector<std::uint8_t> plain(static_cast<std::size_t>(r * row_bytes(c.type, c.cols)));
      const std::vector<float> values = random_floats(rng, r * c.cols, 0.05f);
      ASSERT_TRUE(quantize_row(c.type, values.data(), plain.data(), r * c.cols).has_value());
      const WeightView w{.type = c.type, .data = plain.data(), .rows = r, .cols = c.cols};
      std::vector<std::uint8_t> packed(static_cast<std::size_t>(layout_bytes(w, c.layout)));
      repack(w, c.layout, packed.data(), pool);
      store.push_back(std::move(packed));
      WeightView pw = w;
      pw.data = store.back().data();
      pw.layout = c.layout;
      ws.push_back(pw);
      store.push_back(std::move(plain));
    }
    for (std::int64_t n_tokens : {1, 5}) {
      const std::vector<float> x = random_floats(rng, n_tokens * c.cols);
      std::vector<std::vector<float>> want(ws.size()), got(ws.size());
      std::vector<float*> outs;
      for (std::size_t i = 0; i < ws.size(); ++i) {
        want[i].assign(static_cast<std::size_t>(n_tokens * ws[i].rows), NAN);
        got[i].assign(want[i].size(), NAN);
        matmul(ws[i], x.data(), n_tokens, want[i].data(), pool);
        outs.push_back(got[i].data());
      }
      matmul_many(ws, x.data(), n_tokens, outs, pool);
      for (std::size_t i = 0; i < ws.size(); ++i) {
        for (std::size_t j = 0; j < want[i].size(); ++j) {
          ASSERT_EQ(got[i][j], want[i][j]) << "weight " << i << " element " << j << " tail=" << with_tail;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Kernels, PackedMatmul,
                         ::testing::Combine(::testing::Values(0, 1, 2),
                                            ::testing::Values(Kernels::kBest, Kernels::kNoAvx512, Kernels::kReference)),
                         [](const ::testing::TestParamInfo<std::tuple<int, Kernels>>& param_info) {
                           std::string name = gguf::type_name(kCases[std::get<0>(param_info.param)].type);
                           switch (std::get<1>(param_info.param)) {
                             case Kernels::kBest:
                               return name + "_Best";
                             case Kernels::kNoAvx512:
                               return name + "_NoAvx512";
                             default:
                               return name + "_Reference";
                           }
                         });

// The Q4_0x16 kernel's activation blocks (40 bytes: levels, d as f32, -8 * level sum) hold exactly what Q8_0
// quantization gives (the reference quantizer), for ordinary, tiny, huge, all-zero and one-sided blocks.
TEST(PackedWeights, Q4_0ActivationBlocksAreQ8_0WithTheLevelSum) {
  if (!cpu_has_avx512_vnni()) GTEST_SKIP() << "this CPU has no AVX-512 VNNI";
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  constexpr std::int64_t kBlocks = 64;
  std::vector<float> x(static_cast<std::size_t>(kBlocks * 32));
  for (auto& v : x) v = normal(rng);
  for (int i = 0; i < 32; ++i) {
    x[static_cast<std::size_t>(32 + i)] = 0.0f;                           // block 1: all zero
    x[static_cast<std::size_t>(64 + i)] = 1e-30f * normal(rng);           // block 2: tiny
    x[static_cast<std::size_t>(96 + i)] = 3e4f * normal(rng);             // block 3: huge
    x[static_cast<std::size_t>(128 + i)] = std::abs(normal(rng)) + 0.5f;  // block 4: positive only (sum near 127 * 32)
    x[static_cast<std::size_t>(160 + i)] = -std::abs(normal(rng));        // block 5: negative only
  }
  x[200] = -254.0f;  // block 6: amax 254, so x * 127 / amax = x / 2 and odd integers fall on ties
  x[201] = 1.0f;
  x[202] = 3.0f;
  x[203] = -5.0f;
  std::vector<BlockQ8_0> ref(kBlocks);
  ASSERT_TRUE(quantize_row(GgmlType::kQ8_0, x.data(), ref.data(), kBlocks * 32));
  ASSERT_EQ(avx512::act_row_bytes_q4_0_x16(kBlocks * 32), kBlocks * 40);
  std::vector<std::uint8_t> act(static_cast<std::size_t>(kBlocks * 40));
  avx512::encode_act_q4_0_x16(x.data(), act.data(), kBlocks * 32);
  for (std::int64_t b = 0; b < kBlocks; ++b) {
    const std::uint8_t* a = act.data() + b * 40;
    const BlockQ8_0& r = ref[static_cast<std::size_t>(b)];
    ASSERT_EQ(0, std::memcmp(a, r.qs, 32)) << "block " << b;
    float d = 0;
    std::int32_t bias = 0;
    std::memcpy(&d, a + 32, 4);
    std::memcpy(&bias, a + 36, 4);
    EXPECT_EQ(d, fp16_to_fp32(r.d)) << "block " << b;
    std::int32_t sum = 0;
    for (const auto q : r.qs) sum += q;
    EXPECT_EQ(bias, -8 * sum) << "block " << b;
  }
}

// The Q4_0x16 pair kernel (two consecutive groups, one activation load for both) gives exactly what the one-group
// kernel gives on each group, for every token count its passes split differently (1..8 in one pass, 9..17 in two or
// three), on weights and activations quantized from floats, with a block count that is no multiple of an unrolling.
TEST(PackedWeights, Q4_0PairKernelEqualsTheOneGroupKernelBitForBit) {
  if (!cpu_has_avx512_vnni()) GTEST_SKIP() << "this CPU has no AVX-512 VNNI";
  const cpu::PackedKernels* pk = cpu::kernels_for(GgmlType::kQ4_0)->packed;
  ASSERT_NE(pk, nullptr);
  ASSERT_NE(pk->gemm2, nullptr);
  std::mt19937 rng(23);
  constexpr std::int64_t kCols = 288;  // 9 blocks
  constexpr std::int64_t kPairRows = 2 * kPackedGroupRows;
  std::vector<std::uint8_t> plain(static_cast<std::size_t>(kPairRows * row_bytes(GgmlType::kQ4_0, kCols)));
  const std::vector<float> values = random_floats(rng, kPairRows * kCols, 0.05f);
  ASSERT_TRUE(quantize_row(GgmlType::kQ4_0, values.data(), plain.data(), kPairRows * kCols).has_value());
  const WeightView w{.type = GgmlType::kQ4_0, .data = plain.data(), .rows = kPairRows, .cols = kCols};
  std::vector<std::uint8_t> packed(static_cast<std::size_t>(layout_bytes(w, WeightLayout::kQ4_0x16)));
  ThreadPool pool(1);
  repack(w, WeightLayout::kQ4_0x16, packed.data(), pool);
  const std::int64_t gb = group_bytes(WeightLayout::kQ4_0x16, kCols);
  const std::int64_t arb = pk->act_row_bytes(kCols);
  for (std::int64_t n_tokens = 1; n_tokens <= 17; ++n_tokens) {
    const std::vector<float> x = random_floats(rng, n_tokens * kCols);
    std::vector<std::uint8_t> act(static_cast<std::size_t>(n_tokens * arb));
    for (std::int64_t t = 0; t < n_tokens; ++t) pk->encode_act(x.data() + t * kCols, act.data() + t * arb, kCols);
    constexpr std::int64_t kStride = kPairRows + 3;  // y rows with a gap after the 32 written floats
    std::vector<float> want(static_cast<std::size_t>(n_tokens * kStride), -1.0f);
    std::vector<float> got(want.size(), -1.0f);
    pk->gemm16(kCols, packed.data(), act.data(), arb, n_tokens, want.data(), kStride);
    pk->gemm16(kCols, packed.data() + gb, act.data(), arb, n_tokens, want.data() + kPackedGroupRows, kStride);
    pk->gemm2(kCols, packed.data(), act.data(), arb, n_tokens, got.data(), kStride);
    for (std::size_t i = 0; i < want.size(); ++i) {
      if (static_cast<std::int64_t>(i) % kStride >= kPairRows) {
        ASSERT_EQ(got[i], -1.0f) << "tokens=" << n_tokens << ": wrote past its 32 rows at " << i;
      } else {
        ASSERT_EQ(got[i], want[i]) << "tokens=" << n_tokens << " token " << static_cast<std::int64_t>(i) / kStride
                                   << " row " << static_cast<std::int64_t>(i) % kStride;
      }
    }
  }
}

TEST(PackedWeights, PackedOnlyWhereThereIsAPackedKernel) {
  const bool fast = cpu_has_avx512_vnni() && simd_active();
  for (const Case& c : kCases) {
    const WeightView w{.type = c.type, .data = nullptr, .rows = 64, .cols = 256};
    EXPECT_EQ(packed_layout(w), fast ? c.layout : WeightLayout::kRows);
    force_reference(true);
    EXPECT_EQ(packed_layout(w), WeightLayout::kRows);
    force_reference(false);
    EXPECT_EQ(packed_layout(WeightView{.type = c.type, .data = nullptr, .rows = 15, .cols = 256}), WeightLayout::kRows);
  }
  EXPECT_EQ(packed_layout(WeightView{.type = GgmlType::kQ8_0, .data = nullptr, .rows = 64, .cols = 256}),
            WeightLayout::kRows);
}

}  // namespace
}  // namespace sovra::kernels
