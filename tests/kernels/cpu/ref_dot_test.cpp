// The reference dot products agree with the dequantized weights times the dequantized activations, computed in
// double: this ties vec_dot's integer shortcuts (offsets, mins through block sums) to the block layouts.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "../kernel_test_util.hpp"
#include "kernels/cpu/kernel_table.hpp"

namespace sovra::kernels {
namespace {

using gguf::GgmlType;
using namespace test_util;

struct Encoded {
  std::vector<std::uint8_t> bytes;
  std::vector<float> values;  // what the encoded activations stand for
};

Encoded encode_activations(GgmlType act_type, const std::vector<float>& x) {
  const auto n = static_cast<std::int64_t>(x.size());
  Encoded e;
  if (act_type == GgmlType::kF32) {
    e.bytes.resize(x.size() * sizeof(float));
    std::memcpy(e.bytes.data(), x.data(), e.bytes.size());
    e.values = x;
    return e;
  }
  e.bytes.resize(static_cast<std::size_t>(bytes_for(act_type, n)));
  cpu::reference_kernels(act_type)->quantize_row(x.data(), e.bytes.data(), n);
  e.values = dequantize(act_type, e.bytes.data(), n);
  return e;
}

TEST(KernelRefDot, MatchesDequantizedProductInDouble) {
  std::mt19937 rng(42);
  for (GgmlType t : kWeightTypes) {
    const cpu::TypeKernels* k = cpu::reference_kernels(t);
    ASSERT_NE(k, nullptr);
    for (std::int64_t blocks : {1, 2, 3, 8}) {
      const std::int64_t n = blocks * std::max<std::int64_t>(block_size(t), 32);
      for (int rep = 0; rep < 4; ++rep) {
        const std::vector<std::uint8_t> w = random_row(rng, t, n);
        const Encoded a = encode_activations(k->act_type, random_floats(rng, n));
        const std::vector<float> wv = dequantize(t, w.data(), n);
        double exact = 0;
        for (std::int64_t i = 0; i < n; ++i) exact += static_cast<double>(wv[i]) * a.values[i];
        const double scale = error_scale(t, w, a.values);
        // The dequantized floats round each element once more (a few ulps of its parts). Q4_1/Q5_1 use the
        // activation block sum s, stored as fp16 of the unrounded d times the level sum: up to 2^-10 relative
        // away from the sum of the fp16-scaled values the double product uses.
        double tol = dot_tolerance(t, n, scale) + 4 * std::ldexp(1.0, -24) * scale;
        if (t == GgmlType::kQ4_1 || t == GgmlType::kQ5_1) tol += std::ldexp(1.0, -10) * scale;
        EXPECT_NEAR(k->vec_dot(n, w.data(), a.bytes.data()), exact, tol) << gguf::type_name(t) << " n=" << n;
      }
    }
  }
}

}  // namespace
}  // namespace sovra::kernels
