#include "kernels/matmul.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernel_test_util.hpp"
#include "kernels/quant.hpp"

namespace sovra::kernels {
namespace {

using gguf::GgmlType;
using namespace test_util;

struct Weights {
  std::vector<std::uint8_t> bytes;
  std::vector<float> values;  // dequantized, [rows, cols]
  WeightView view;
};

Weights make_weights(std::mt19937& rng, GgmlType t, std::int64_t rows, std::int64_t cols) {
  Weights w;
  const std::int64_t row = row_bytes(t, cols);
  w.bytes.resize(static_cast<std::size_t>(row * rows));
  w.values.resize(static_cast<std::size_t>(rows * cols));
  const std::vector<float> x = random_floats(rng, rows * cols, 0.05f);
  EXPECT_TRUE(quantize_row(t, x.data(), w.bytes.data(), rows * cols).has_value());
  EXPECT_TRUE(dequantize_row(t, w.bytes.data(), w.values.data(), rows * cols).has_value());
  w.view = {.type = t, .data = w.bytes.data(), .rows = rows, .cols = cols};
  return w;
}

class KernelMatmul : public ::testing::TestWithParam<bool> {  // param: force the reference kernels
 protected:
  void SetUp() override { force_reference(GetParam()); }
  void TearDown() override { force_reference(false); }
};

// y against double-precision products of the dequantized weights with the activations as the kernels see them
// (encoded in the weight type's activation format, then decoded), and loosely against the raw f32 activations.
TEST_P(KernelMatmul, MatchesDoublePrecisionReference) {
  std::mt19937 rng(2024);
  constexpr std::int64_t kRows = 67;  // odd: partial chunks and tiles
  constexpr std::int64_t kCols = 512;
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    for (GgmlType t : kWeightTypes) {
      const Weights w = make_weights(rng, t, kRows, kCols);
      const GgmlType act_type = cpu::reference_kernels(t)->act_type;
      for (std::int64_t n_tokens : {1, 7, 33}) {
        const std::vector<float> x = random_floats(rng, n_tokens * kCols);
        std::vector<float> y(static_cast<std::size_t>(n_tokens * kRows), NAN);
        matmul(w.view, x.data(), n_tokens, y.data(), pool);
        for (std::int64_t tok = 0; tok < n_tokens; ++tok) {
          const float* xt = x.data() + tok * kCols;
          std::vector<float> a(xt, xt + kCols);
          std::vector<double> step(kCols, 0.0);  // quantization step of each activation's block
          if (act_type != GgmlType::kF32) {
            const std::int64_t bs = block_size(act_type);
            for (std::int64_t b0 = 0; b0 < kCols; b0 += bs) {
              double amax = 0;
              for (std::int64_t i = b0; i < b0 + bs; ++i) amax = std::max(amax, std::fabs(static_cast<double>(xt[i])));
              for (std::int64_t i = b0; i < b0 + bs; ++i) step[static_cast<std::size_t>(i)] = amax / 127;
            }
            std::vector<std::uint8_t> enc(static_cast<std::size_t>(row_bytes(act_type, kCols)));
            ASSERT_TRUE(quantize_row(act_type, xt, enc.data(), kCols).has_value());
            ASSERT_TRUE(dequantize_row(act_type, enc.data(), a.data(), kCols).has_value());
          }
          for (std::int64_t r = 0; r < kRows; ++r) {
            const float* wr = w.values.data() + r * kCols;
            double exact = 0;
            double raw = 0;
            double magnitude = 0;
            for (std::int64_t i = 0; i < kCols; ++i) {
              exact += static_cast<double>(wr[i]) * a[static_cast<std::size_t>(i)];
              raw += static_cast<double>(wr[i]) * xt[i];
              magnitude += std::fabs(static_cast<double>(wr[i]) * xt[i]);
            }
            const float got = y[static_cast<std::size_t>(tok * kRows + r)];
            const std::vector<std::uint8_t> wrow(w.bytes.begin() + r * row_bytes(t, kCols),
                                                 w.bytes.begin() + (r + 1) * row_bytes(t, kCols));
            double tol = dot_tolerance(t, kCols, error_scale(t, wrow, a)) + 4 * std::ldexp(1.0, -24) * magnitude;
            if (t == GgmlType::kQ4_1 || t == GgmlType::kQ5_1) tol += std::ldexp(1.0, -10) * 2 * magnitude;
            ASSERT_NEAR(got, exact, tol) << gguf::type_name(t) << " threads=" << threads << " tokens=" << n_tokens
                                         << " t=" << tok << " r=" << r;
            // 8-bit activations: a value moves by at most half a step (amax / 127 of its block) plus the fp16
            // rounding of the step (2^-11 of 127 steps): under 0.6 steps.
            double act_err = 0;
            for (std::int64_t i = 0; i < kCols; ++i)
              act_err += std::fabs(wr[i]) * 0.6 * step[static_cast<std::size_t>(i)];
            EXPECT_NEAR(got, raw, act_err + tol);
          }
        }
      }
    }
  }
}

TEST_P(KernelMatmul, ZeroTokensWritesNothing) {
  std::mt19937 rng(1);
  ThreadPool pool(2);
  const Weights w = make_weights(rng, GgmlType::kQ4_0, 8, 64);
  float y = 5.0f;
  matmul(w.view, nullptr, 0, &y, pool);
  EXPECT_EQ(y, 5.0f);
}

INSTANTIATE_TEST_SUITE_P(Kernels, KernelMatmul, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& param_info) {
                           return param_info.param ? "Reference" : "Best";
                         });

TEST(KernelMatmulCheck, RejectsUnusableWeights) {
  const std::uint8_t data[64] = {};
  EXPECT_TRUE(check_weight({.type = GgmlType::kQ4_0, .data = data, .rows = 1, .cols = 32}).has_value());
  EXPECT_FALSE(check_weight({.type = GgmlType::kQ4_0, .data = data, .rows = 1, .cols = 48}).has_value());
  EXPECT_FALSE(check_weight({.type = GgmlType::kQ4_0, .data = data, .rows = 0, .cols = 32}).has_value());
  EXPECT_FALSE(check_weight({.type = GgmlType::kQ8_K, .data = data, .rows = 1, .cols = 256}).has_value());
  EXPECT_FALSE(check_weight({.type = GgmlType::kIQ4_NL, .data = data, .rows = 1, .cols = 32}).has_value());
  EXPECT_FALSE(check_weight({.type = GgmlType::kF32, .data = nullptr, .rows = 1, .cols = 32}).has_value());
}

}  // namespace
}  // namespace sovra::kernels
