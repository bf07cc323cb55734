// The AVX-512 VNNI gemm kernels (Q4_0, Q8_0, Q4_K, Q6_K) against the scalar reference dot products on random data.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "../kernel_test_util.hpp"
#include "kernels/cpu/kernel_table.hpp"

namespace sovra::kernels {
namespace {

using gguf::GgmlType;
using namespace test_util;

class KernelAvx512 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cpu_has_avx512_vnni()) GTEST_SKIP() << "CPU lacks AVX-512 VNNI (avx512f/bw/vl/vbmi/vnni)";
  }
};

constexpr GgmlType kGemmTypes[] = {GgmlType::kQ4_0, GgmlType::kQ8_0, GgmlType::kQ4_K, GgmlType::kQ6_K};
constexpr GgmlType kLegacyGemmTypes[] = {GgmlType::kQ4_0, GgmlType::kQ8_0};

// Every (row, token) result of one gemm call equals the reference dot of that weight row with the token's Q8_0
// (Q8_K for Q4_K and Q6_K) encoding, for row and token counts around the register blocks and lengths with partial quads of
// four blocks.
TEST_F(KernelAvx512, GemmMatchesReferenceDots) {
  std::mt19937 rng(21);
  for (GgmlType t : kGemmTypes) {
    const cpu::TypeKernels* k = cpu::avx512_kernels(t);
    const cpu::TypeKernels* ref = cpu::reference_kernels(t);
    ASSERT_NE(k, nullptr);
    ASSERT_NE(k->gemm, nullptr) << gguf::type_name(t);
    const GgmlType act_type = ref->act_type;
    const cpu::TypeKernels* q8 = cpu::reference_kernels(act_type);
    const std::vector<std::int64_t> sizes = block_size(t) == 32 ? std::vector<std::int64_t>{32, 64, 96, 128, 160, 224, 416, 2048}
                                                                : std::vector<std::int64_t>{256, 512, 768, 2048};
    for (std::int64_t n : sizes) {
      for (std::int64_t rows : {1, 3, 4, 5, 9}) {
        for (std::int64_t tokens : {1, 2, 3, 4, 7}) {
          const std::int64_t w_row = bytes_for(t, n);
          // Each weight row sits in its own exactly sized allocation, so reading past it is caught by ASan.
          std::vector<std::vector<std::uint8_t>> w_rows;
          std::vector<std::uint8_t> w(static_cast<std::size_t>(w_row * rows));
          for (std::int64_t r = 0; r < rows; ++r) {
            w_rows.push_back(random_row(rng, t, n));
            std::memcpy(w.data() + r * w_row, w_rows.back().data(), static_cast<std::size_t>(w_row));
          }
          const std::int64_t a_row = k->gemm->act_row_bytes(n);
          std::vector<std::uint8_t> acts(static_cast<std::size_t>(a_row * tokens));
          std::vector<std::vector<std::uint8_t>> q8_rows;
          std::vector<std::vector<float>> values;
          for (std::int64_t tk = 0; tk < tokens; ++tk) {
            const std::vector<float> x = random_floats(rng, n, tk == 1 ? 1e-3f : 1.0f);
            k->gemm->encode_act(x.data(), acts.data() + tk * a_row, n);
            q8_rows.emplace_back(static_cast<std::size_t>(bytes_for(act_type, n)));
            q8->quantize_row(x.data(), q8_rows.back().data(), n);
            values.push_back(dequantize(act_type, q8_rows.back().data(), n));
          }
          constexpr std::int64_t kPad = 2;  // y_stride > rows: nothing may be written between outputs
          const std::int64_t y_stride = rows + kPad;
          std::vector<float> y(static_cast<std::size_t>(y_stride * tokens), -7.0f);
          if (rows == 1) {
            k->gemm->gemm(n, w_rows[0].data(), w_row, 1, acts.data(), a_row, tokens, y.data(), y_stride);
          } else {
            k->gemm->gemm(n, w.data(), w_row, rows, acts.data(), a_row, tokens, y.data(), y_stride);
          }
          for (std::int64_t tk = 0; tk < tokens; ++tk) {
            for (std::int64_t r = 0; r < y_stride; ++r) {
              const float got = y[static_cast<std::size_t>(tk * y_stride + r)];
              if (r >= rows) {
                EXPECT_EQ(got, -7.0f) << "wrote past rows";
                continue;
              }
              const auto& wr = w_rows[static_cast<std::size_t>(r)];
              const float want = ref->vec_dot(n, wr.data(), q8_rows[static_cast<std::size_t>(tk)].data());
              const double tol = dot_tolerance(t, n, error_scale(t, wr, values[static_cast<std::size_t>(tk)]));
              ASSERT_NEAR(got, want, tol) << gguf::type_name(t) << " n=" << n << " rows=" << rows
                                          << " tokens=" << tokens << " r=" << r << " t=" << tk;
            }
          }
        }
      }
    }
  }
}

// Extreme levels: Q8_0 weights of -128 and 127 against activations of +-127, where a sign trick or a 16-bit
// intermediate would overflow.
TEST_F(KernelAvx512, GemmIsExactAtExtremeLevels) {
  const std::int64_t n = 256;
  for (GgmlType t : kLegacyGemmTypes) {
    const cpu::TypeKernels* k = cpu::avx512_kernels(t);
    const cpu::TypeKernels* ref = cpu::reference_kernels(t);
    const std::int64_t w_row = bytes_for(t, n);
    std::vector<std::uint8_t> w(static_cast<std::size_t>(w_row));
    const Half one = fp32_to_fp16(1.0f);
    for (std::int64_t b = 0; b < w_row; b += block_bytes(t)) {
      std::memcpy(w.data() + b, &one, 2);
      // Q8_0: levels -128; Q4_0: nibbles 0 (level -8).
      std::memset(w.data() + b + 2, t == GgmlType::kQ8_0 ? 0x80 : 0x00, static_cast<std::size_t>(block_bytes(t) - 2));
    }
    std::vector<float> x(static_cast<std::size_t>(n), -1.0f);
    std::vector<std::uint8_t> act(static_cast<std::size_t>(k->gemm->act_row_bytes(n)));
    k->gemm->encode_act(x.data(), act.data(), n);
    std::vector<std::uint8_t> q8(static_cast<std::size_t>(bytes_for(GgmlType::kQ8_0, n)));
    cpu::reference_kernels(GgmlType::kQ8_0)->quantize_row(x.data(), q8.data(), n);
    float y = 0.0f;
    k->gemm->gemm(n, w.data(), w_row, 1, act.data(), static_cast<std::int64_t>(act.size()), 1, &y, 1);
    const float want = ref->vec_dot(n, w.data(), q8.data());
    EXPECT_NEAR(y, want, 1e-5 * want) << gguf::type_name(t);
    EXPECT_GT(y, 0.0f);
  }
}

TEST_F(KernelAvx512, DisableSwitchesBackToAvx2) {
  EXPECT_EQ(cpu::kernels_for(GgmlType::kQ4_0), cpu::avx512_kernels(GgmlType::kQ4_0));
  disable_avx512(true);
  EXPECT_EQ(cpu::kernels_for(GgmlType::kQ4_0), cpu::simd_kernels(GgmlType::kQ4_0));
  EXPECT_EQ(cpu::kernels_for(GgmlType::kQ4_0)->gemm, nullptr);
  disable_avx512(false);
  EXPECT_EQ(cpu::kernels_for(GgmlType::kQ5_K), cpu::simd_kernels(GgmlType::kQ5_K));  // no gemm path: AVX2 entry
}

}  // namespace
}  // namespace sovra::kernels
