#include "kernels/packed.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernel_test_util.hpp"
#include "kernels/cpu/kernel_table.hpp"
#include "kernels/quant.hpp"

namespace sovra::kernels {
namespace {

using gguf::GgmlType;
using namespace test_util;

constexpr std::int64_t kRows = 3 * kPackedGroupRows + 5;  // whole groups and a plain tail
constexpr std::int64_t kCols = 288;                      // 9 blocks: not a multiple of any unrolling

std::vector<std::uint8_t> random_matrix(std::mt19937& rng, std::int64_t rows, std::int64_t cols) {
  std::vector<std::uint8_t> m;
  for (std::int64_t r = 0; r < rows; ++r) {
    const auto row = random_row(rng, GgmlType::kQ4_0, cols);
    m.insert(m.end(), row.begin(), row.end());
  }
  return m;
}

TEST(PackedQ4_0, RepackThenUnpackGivesEveryRowBack) {
  std::mt19937 rng(7);
  ThreadPool pool(2);
  for (std::int64_t rows : {std::int64_t{16}, kRows, std::int64_t{5}}) {
    const auto plain = random_matrix(rng, rows, kCols);
    const WeightView w{.type = GgmlType::kQ4_0, .data = plain.data(), .rows = rows, .cols = kCols};
    ASSERT_EQ(packed_bytes(w), static_cast<std::int64_t>(plain.size()));
    std::vector<std::uint8_t> packed(plain.size(), 0xAA);
    repack_q4_0_x16(w, packed.data(), pool);
    if (rows >= kPackedGroupRows) {
      EXPECT_NE(packed, plain) << "the layout must differ from GGUF's";
    }
    const WeightView pw{.type = GgmlType::kQ4_0, .data = packed.data(), .rows = rows, .cols = kCols,
                        .layout = WeightLayout::kQ4_0x16};
    const std::int64_t rb = row_bytes(GgmlType::kQ4_0, kCols);
    std::vector<std::uint8_t> row(static_cast<std::size_t>(rb));
    for (std::int64_t r = 0; r < rows; ++r) {
      unpack_row_q4_0_x16(pw, r, row.data());
      ASSERT_EQ(0, std::memcmp(row.data(), plain.data() + r * rb, static_cast<std::size_t>(rb))) << "row " << r;
    }
  }
}

enum class Kernels { kBest, kNoAvx512, kReference };

class PackedMatmul : public ::testing::TestWithParam<Kernels> {
 protected:
  void SetUp() override {
    force_reference(GetParam() == Kernels::kReference);
    disable_avx512(GetParam() == Kernels::kNoAvx512);
  }
  void TearDown() override {
    force_reference(false);
    disable_avx512(false);
  }
};

// The packed matrix gives the plain one's products (same 8-bit activations, same integer block sums), up to the
// order of the float summation, for every token count the kernel blocks differently and with 1 or 2 threads.
TEST_P(PackedMatmul, EqualsThePlainLayout) {
  std::mt19937 rng(11);
  const auto plain = random_matrix(rng, kRows, kCols);
  const WeightView w{.type = GgmlType::kQ4_0, .data = plain.data(), .rows = kRows, .cols = kCols};
  std::vector<std::uint8_t> packed(plain.size());
  ThreadPool pack_pool(1);
  repack_q4_0_x16(w, packed.data(), pack_pool);
  const WeightView pw{.type = GgmlType::kQ4_0, .data = packed.data(), .rows = kRows, .cols = kCols,
                      .layout = WeightLayout::kQ4_0x16};
  const std::int64_t rb = row_bytes(GgmlType::kQ4_0, kCols);
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    for (std::int64_t n_tokens : {1, 3, 8, 9, 17}) {
      const std::vector<float> x = random_floats(rng, n_tokens * kCols);
      std::vector<float> want(static_cast<std::size_t>(n_tokens * kRows), NAN);
      std::vector<float> got(want.size(), NAN);
      matmul(w, x.data(), n_tokens, want.data(), pool);
      matmul(pw, x.data(), n_tokens, got.data(), pool);
      for (std::int64_t t = 0; t < n_tokens; ++t) {
        std::vector<float> a(static_cast<std::size_t>(kCols));
        std::vector<std::uint8_t> enc(static_cast<std::size_t>(row_bytes(GgmlType::kQ8_0, kCols)));
        ASSERT_TRUE(quantize_row(GgmlType::kQ8_0, x.data() + t * kCols, enc.data(), kCols).has_value());
        ASSERT_TRUE(dequantize_row(GgmlType::kQ8_0, enc.data(), a.data(), kCols).has_value());
        for (std::int64_t r = 0; r < kRows; ++r) {
          const std::vector<std::uint8_t> wrow(plain.begin() + r * rb, plain.begin() + (r + 1) * rb);
          const double tol = 2 * dot_tolerance(GgmlType::kQ4_0, kCols, error_scale(GgmlType::kQ4_0, wrow, a));
          const auto i = static_cast<std::size_t>(t * kRows + r);
          ASSERT_FALSE(std::isnan(got[i])) << "row " << r << " token " << t << " not written";
          ASSERT_NEAR(got[i], want[i], tol) << "threads=" << threads << " tokens=" << n_tokens << " t=" << t
                                            << " r=" << r;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Kernels, PackedMatmul,
                         ::testing::Values(Kernels::kBest, Kernels::kNoAvx512, Kernels::kReference),
                         [](const ::testing::TestParamInfo<Kernels>& param_info) {
                           switch (param_info.param) {
                             case Kernels::kBest: return "Best";
                             case Kernels::kNoAvx512: return "NoAvx512";
                             default: return "Reference";
                           }
                         });

TEST(PackedQ4_0, PaysOffOnlyWhereThereIsAPackedKernel) {
  const WeightView w{.type = GgmlType::kQ4_0, .data = nullptr, .rows = 64, .cols = 64};
  EXPECT_EQ(packing_pays_off(w), cpu_has_avx512_vnni() && simd_active());
  force_reference(true);
  EXPECT_FALSE(packing_pays_off(w));
  force_reference(false);
  EXPECT_FALSE(packing_pays_off(WeightView{.type = GgmlType::kQ8_0, .data = nullptr, .rows = 64, .cols = 64}));
  EXPECT_FALSE(packing_pays_off(WeightView{.type = GgmlType::kQ4_0, .data = nullptr, .rows = 15, .cols = 64}));
}

}  // namespace
}  // namespace sovra::kernels
