// Every AVX2 kernel against its scalar reference on random data.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "../kernel_test_util.hpp"
#include "kernels/cpu/kernel_table.hpp"
#include "kernels/ops.hpp"
#include "kernels/quant.hpp"
#include "kernels/quant/half.hpp"

namespace sovra::kernels {
namespace {

using gguf::GgmlType;
using namespace test_util;

class KernelAvx2 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cpu_has_avx2()) GTEST_SKIP() << "CPU lacks AVX2/FMA/F16C";
  }
};

std::vector<std::int64_t> sizes_for(GgmlType t) {
  if (block_size(t) == 1) return {1, 7, 8, 9, 31, 32, 33, 64, 100, 257, 1000, 4096};
  if (block_size(t) == 32) return {32, 64, 96, 128, 160, 416, 1024, 4096};
  return {256, 512, 768, 1792, 4096};
}

TEST_F(KernelAvx2, ActivationQuantizersAreBitIdentical) {
  std::mt19937 rng(3);
  for (GgmlType t : {GgmlType::kQ8_0, GgmlType::kQ8_1, GgmlType::kQ8_K}) {
    const cpu::TypeKernels* simd = cpu::simd_kernels(t);
    const cpu::TypeKernels* ref = cpu::reference_kernels(t);
    ASSERT_NE(simd, nullptr);
    ASSERT_NE(simd->quantize_row, ref->quantize_row) << gguf::type_name(t);
    for (float sigma : {1e-6f, 1e-2f, 1.0f, 3e4f}) {
      const std::int64_t n = 4096;
      std::vector<float> x = random_floats(rng, n, sigma);
      for (std::int64_t i = 0; i < 256; ++i) x[static_cast<std::size_t>(i)] = 0.0f;  // an all-zero block
      x[300] = 127.5f * sigma;                                                       // ties and extremes
      x[301] = -x[300];
      std::vector<std::uint8_t> a(static_cast<std::size_t>(bytes_for(t, n)));
      std::vector<std::uint8_t> b(a.size());
      simd->quantize_row(x.data(), a.data(), n);
      ref->quantize_row(x.data(), b.data(), n);
      EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size()), 0) << gguf::type_name(t) << " sigma " << sigma;
    }
  }
}

TEST_F(KernelAvx2, VecDotMatchesReference) {
  std::mt19937 rng(11);
  for (GgmlType t : kWeightTypes) {
    const cpu::TypeKernels* simd = cpu::simd_kernels(t);
    const cpu::TypeKernels* ref = cpu::reference_kernels(t);
    ASSERT_NE(simd, nullptr);
    ASSERT_NE(simd->vec_dot, ref->vec_dot) << gguf::type_name(t);
    for (std::int64_t n : sizes_for(t)) {
      for (int rep = 0; rep < 6; ++rep) {
        const std::vector<std::uint8_t> w = random_row(rng, t, n);
        const std::vector<float> x = random_floats(rng, n);
        std::vector<std::uint8_t> a;
        std::vector<float> a_values = x;
        if (ref->act_type == GgmlType::kF32) {
          a.resize(x.size() * sizeof(float));
          std::memcpy(a.data(), x.data(), a.size());
        } else {
          a.resize(static_cast<std::size_t>(bytes_for(ref->act_type, n)));
          cpu::reference_kernels(ref->act_type)->quantize_row(x.data(), a.data(), n);
          a_values = dequantize(ref->act_type, a.data(), n);
        }
        const float want = ref->vec_dot(n, w.data(), a.data());
        const float got = simd->vec_dot(n, w.data(), a.data());
        const double tol = dot_tolerance(t, n, error_scale(t, w, a_values));
        ASSERT_NEAR(got, want, tol) << gguf::type_name(t) << " n=" << n << " rep=" << rep;
      }
    }
  }
}

// Tiles multiply one weight row with up to kMaxTile activation rows; each result must equal the single dot.
TEST_F(KernelAvx2, VecDotTileMatchesSingleDots) {
  std::mt19937 rng(12);
  for (GgmlType t : kWeightTypes) {
    const cpu::TypeKernels* simd = cpu::simd_kernels(t);
    const cpu::TypeKernels* ref = cpu::reference_kernels(t);
    const std::int64_t n = block_size(t) == 1 ? 203 : 3 * std::max<std::int64_t>(block_size(t), 64);
    const std::vector<std::uint8_t> w = random_row(rng, t, n);
    const std::int64_t a_row = ref->act_type == GgmlType::kF32 ? n * 4 : bytes_for(ref->act_type, n);
    std::vector<std::uint8_t> acts(static_cast<std::size_t>(a_row * cpu::kMaxTile));
    std::vector<std::vector<float>> values;
    for (int r = 0; r < cpu::kMaxTile; ++r) {
      const std::vector<float> x = random_floats(rng, n);
      std::uint8_t* dst = acts.data() + r * a_row;
      if (ref->act_type == GgmlType::kF32) {
        std::memcpy(dst, x.data(), static_cast<std::size_t>(a_row));
        values.push_back(x);
      } else {
        cpu::reference_kernels(ref->act_type)->quantize_row(x.data(), dst, n);
        values.push_back(dequantize(ref->act_type, dst, n));
      }
    }
    for (int n_act = 1; n_act <= cpu::kMaxTile; ++n_act) {
      constexpr std::int64_t kStride = 3;
      std::vector<float> out(static_cast<std::size_t>(kStride * cpu::kMaxTile), -1.0f);
      simd->vec_dot_tile(n, w.data(), acts.data(), a_row, n_act, out.data(), kStride);
      for (int r = 0; r < cpu::kMaxTile; ++r) {
        const float got = out[static_cast<std::size_t>(r * kStride)];
        if (r >= n_act) {
          EXPECT_EQ(got, -1.0f) << "wrote past n_act";
          continue;
        }
        const float want = ref->vec_dot(n, w.data(), acts.data() + r * a_row);
        const double tol = dot_tolerance(t, n, error_scale(t, w, values[static_cast<std::size_t>(r)]));
        EXPECT_NEAR(got, want, tol) << gguf::type_name(t) << " n_act=" << n_act << " row " << r;
      }
      EXPECT_EQ(out[1], -1.0f) << "wrote between strided outputs";
    }
  }
}

// The vectorised attention against the scalar one (force_reference), over head sizes with and without tails.
TEST_F(KernelAvx2, AttendOneMatchesReference) {
  std::mt19937 rng(13);
  for (std::int32_t head_dim : {8, 12, 40, 64, 100, 128}) {
    for (std::int32_t n_kv : {1, 5, 37}) {
      const std::int64_t kv_stride = head_dim * 3 + 4;  // heads interleaved as in a GQA cache row
      const std::vector<float> q = random_floats(rng, head_dim);
      const std::vector<float> k = random_floats(rng, kv_stride * n_kv);
      const std::vector<float> v = random_floats(rng, kv_stride * n_kv);
      std::vector<float> scratch(static_cast<std::size_t>(n_kv));
      std::vector<float> want(static_cast<std::size_t>(head_dim));
      std::vector<float> got(static_cast<std::size_t>(head_dim) + 1, -3.0f);
      const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
      force_reference(true);
      attend_one(q.data(), k.data(), v.data(), kv_stride, n_kv, head_dim, scale, scratch.data(), want.data());
      force_reference(false);
      attend_one(q.data(), k.data(), v.data(), kv_stride, n_kv, head_dim, scale, scratch.data(), got.data());
      for (std::int32_t d = 0; d < head_dim; ++d) {
        // Outputs are convex combinations of V entries (|v| < ~5); scores differ by summation order only.
        ASSERT_NEAR(got[static_cast<std::size_t>(d)], want[static_cast<std::size_t>(d)], 2e-5)
            << "head_dim=" << head_dim << " n_kv=" << n_kv << " d=" << d;
      }
      EXPECT_EQ(got.back(), -3.0f) << "wrote past head_dim";
    }
  }
}

// The vectorised SwiGLU against std::exp, over lengths with and without a tail and gates far into both
// saturated ends (where exp is clamped).
TEST_F(KernelAvx2, SwigluMatchesReference) {
  std::mt19937 rng(23);
  for (std::int64_t n : {1, 7, 8, 9, 100, 5632}) {
    std::vector<float> gate = random_floats(rng, n, 4.0f);
    if (n > 8) {
      gate[0] = 95.0f;
      gate[1] = -95.0f;
      gate[2] = 0.0f;
    }
    const std::vector<float> up = random_floats(rng, n);
    std::vector<float> want = gate;
    std::vector<float> got = gate;
    got.push_back(-3.0f);
    force_reference(true);
    swiglu(want.data(), up.data(), n);
    force_reference(false);
    swiglu(got.data(), up.data(), n);
    for (std::int64_t i = 0; i < n; ++i) {
      const float w = want[static_cast<std::size_t>(i)];
      ASSERT_NEAR(got[static_cast<std::size_t>(i)], w, 1e-6f * std::fabs(w) + 1e-30f) << "n=" << n << " i=" << i;
    }
    EXPECT_EQ(got.back(), -3.0f) << "wrote past n";
  }
}

// The vectorised RMS norm against the reference: the same scale up to the double sum's order, so the outputs agree
// to an ulp or two, over lengths with and without a tail and rows of very different magnitudes.
TEST_F(KernelAvx2, RmsNormMatchesReference) {
  std::mt19937 rng(29);
  for (std::int64_t n : {1, 15, 16, 17, 100, 2048, 5632}) {
    for (float magnitude : {1e-3f, 1.0f, 300.0f}) {
      const std::vector<float> x = random_floats(rng, n, magnitude);
      const std::vector<float> w = random_floats(rng, n);
      std::vector<float> want(static_cast<std::size_t>(n));
      std::vector<float> got(static_cast<std::size_t>(n) + 1, -7.0f);
      force_reference(true);
      rms_norm(x.data(), w.data(), want.data(), n, 1e-5f);
      force_reference(false);
      rms_norm(x.data(), w.data(), got.data(), n, 1e-5f);
      for (std::int64_t i = 0; i < n; ++i) {
        const float e = want[static_cast<std::size_t>(i)];
        ASSERT_NEAR(got[static_cast<std::size_t>(i)], e, 4e-7f * std::fabs(e) + 1e-30f) << "n=" << n << " i=" << i;
      }
      EXPECT_EQ(got.back(), -7.0f) << "wrote past n";
    }
  }
}

// The vectorised rotation against the reference in both pair layouts, with full and partial rotation (dimensions
// past n_rot stay as they were), several heads, angles of a far position.
TEST_F(KernelAvx2, RopeRotateMatchesReference) {
  std::mt19937 rng(31);
  for (RopeMode mode : {RopeMode::kNormal, RopeMode::kNeox}) {
    for (auto [head_dim, n_rot] : {std::pair{64, 64}, std::pair{128, 128}, std::pair{128, 64}, std::pair{80, 32}}) {
      const RopeParams p{.n_rot = n_rot, .head_dim = head_dim, .freq_base = 10000.0f, .mode = mode};
      std::vector<float> cos_t(kMaxRopePairs);
      std::vector<float> sin_t(kMaxRopePairs);
      rope_angles(1234, p, cos_t.data(), sin_t.data());
      constexpr std::int32_t kHeads = 5;
      const std::vector<float> x = random_floats(rng, kHeads * head_dim, 3.0f);
      std::vector<float> want = x;
      std::vector<float> got = x;
      force_reference(true);
      rope_rotate(want.data(), kHeads, cos_t.data(), sin_t.data(), p);
      force_reference(false);
      rope_rotate(got.data(), kHeads, cos_t.data(), sin_t.data(), p);
      for (std::size_t i = 0; i < x.size(); ++i) {
        const auto d = static_cast<std::int32_t>(i % static_cast<std::size_t>(head_dim));
        if (d >= n_rot) {
          ASSERT_EQ(got[i], x[i]) << "dimension " << d << " is past n_rot " << n_rot;
        } else {
          ASSERT_NEAR(got[i], want[i], 1e-6f * (std::fabs(x[i]) + 3.0f))
              << "mode " << static_cast<int>(mode) << " head_dim " << head_dim << " i " << i;
        }
      }
    }
  }
}

// A paged cache of n_blocks blocks holding `kv_heads` heads per row, filled with random values, and a block table
// that scatters a sequence's positions over it (in reverse, block 0 unused). k16/v16 hold the same values as
// binary16, k16f/v16f the floats those encode.
struct RandomPagedCache {
  std::vector<float> k, v;
  std::vector<std::int32_t> table;
  std::int32_t block_size;
  std::int64_t row_stride;
  std::vector<Half> k16, v16;
  std::vector<float> k16f, v16f;
  PagedRows rows(const std::vector<float>& data, std::int32_t head, std::int32_t head_dim) const {
    return {.base = data.data() + static_cast<std::int64_t>(head) * head_dim,
            .block_table = table.data(),
            .block_size = block_size,
            .block_stride = block_size * row_stride,
            .row_stride = row_stride};
  }
  PagedRows rows(const std::vector<Half>& data, std::int32_t head, std::int32_t head_dim) const {
    PagedRows r = rows(k, head, head_dim);
    r.base = data.data() + static_cast<std::int64_t>(head) * head_dim;
    r.elem = KvElem::kF16;
    return r;
  }
};

RandomPagedCache random_paged_cache(std::mt19937& rng, std::int32_t n_kv, std::int32_t block_size,
                                    std::int32_t kv_heads, std::int32_t head_dim) {
  RandomPagedCache c{.k = {}, .v = {}, .table = {}, .block_size = block_size, .row_stride = kv_heads * head_dim};
  const std::int32_t blocks = (n_kv + block_size - 1) / block_size + 1;
  for (std::int32_t b = 0; b < blocks - 1; ++b) c.table.push_back(blocks - 1 - b);
  c.k = random_floats(rng, blocks * block_size * c.row_stride);
  c.v = random_floats(rng, blocks * block_size * c.row_stride);
  for (const float x : c.k) c.k16.push_back(fp32_to_fp16(x));
  for (const float x : c.v) c.v16.push_back(fp32_to_fp16(x));
  for (const Half h : c.k16) c.k16f.push_back(fp16_to_fp32(h));
  for (const Half h : c.v16) c.v16f.push_back(fp16_to_fp32(h));
  return c;
}

// The reference group attention is attend_one's arithmetic, head by head, whatever the paging.
TEST_F(KernelAvx2, AttendGroupReferenceIsAttendOneOverPagedRows) {
  std::mt19937 rng(17);
  constexpr std::int32_t kHeadDim = 12;
  constexpr std::int32_t kNkv = 23;
  const RandomPagedCache c = random_paged_cache(rng, kNkv, 4, 2, kHeadDim);
  const std::vector<float> q = random_floats(rng, 3 * kHeadDim);
  // The same rows, contiguous.
  std::vector<float> k, v;
  for (std::int32_t j = 0; j < kNkv; ++j) {
    const std::int64_t at =
        (static_cast<std::int64_t>(c.table[static_cast<std::size_t>(j / 4)]) * 4 + j % 4) * c.row_stride + kHeadDim;
    k.insert(k.end(), c.k.begin() + at, c.k.begin() + at + kHeadDim);
    v.insert(v.end(), c.v.begin() + at, c.v.begin() + at + kHeadDim);
  }
  const float scale = 0.3f;
  std::vector<float> scratch(static_cast<std::size_t>(kAttendGroupHeads * kNkv));
  std::vector<float> got(static_cast<std::size_t>(3 * kHeadDim));
  force_reference(true);
  attend_group(q.data(), kHeadDim, 3, c.rows(c.k, 1, kHeadDim), c.rows(c.v, 1, kHeadDim), kNkv, kHeadDim, scale,
               scratch.data(), got.data(), kHeadDim);
  for (std::int32_t h = 0; h < 3; ++h) {
    std::vector<float> want(kHeadDim);
    attend_one(q.data() + h * kHeadDim, k.data(), v.data(), kHeadDim, kNkv, kHeadDim, scale, scratch.data(),
               want.data());
    for (std::int32_t d = 0; d < kHeadDim; ++d)
      EXPECT_EQ(got[static_cast<std::size_t>(h * kHeadDim + d)], want[static_cast<std::size_t>(d)]);
  }
  force_reference(false);
}

void attend_group_matches_reference();

// The vectorised group attention against the reference: group sizes below, at and above the 8 heads of one pass,
// head sizes with and without a 32-float tail, blocks of one row up to longer than the sequence.
TEST_F(KernelAvx2, AttendGroupMatchesReference) {
  // The AVX-512 path (head sizes 64 and 128, where the CPU has it) and the AVX2 one.
  for (const bool avx512 : {true, false}) {
    SCOPED_TRACE(avx512 ? "avx512" : "avx2");
    disable_avx512(!avx512);
    attend_group_matches_reference();
  }
  disable_avx512(false);
}

void attend_group_matches_reference() {
  std::mt19937 rng(19);
  for (std::int32_t head_dim : {8, 16, 40, 64, 128}) {
    for (std::int32_t n_q : {1, 2, 3, 7, 8, 9, 16}) {
      for (std::int32_t n_kv : {1, 37, 150}) {
        for (std::int32_t block_size : {1, 16, 64}) {
          const RandomPagedCache c = random_paged_cache(rng, n_kv, block_size, 2, head_dim);
          const std::int64_t q_stride = head_dim + 8;  // heads need not be adjacent
          const std::vector<float> q = random_floats(rng, n_q * q_stride);
          const float scale = 2.0f / std::sqrt(static_cast<float>(head_dim));  // sharper than 1/sqrt: peaked softmax
          std::vector<float> scratch(static_cast<std::size_t>(kAttendGroupHeads * n_kv));
          const std::size_t out_size = static_cast<std::size_t>(n_q * q_stride);
          for (const bool f16 : {false, true}) {
            SCOPED_TRACE(f16 ? "f16 rows" : "f32 rows");
            const PagedRows k = f16 ? c.rows(c.k16, 1, head_dim) : c.rows(c.k, 1, head_dim);
            const PagedRows v = f16 ? c.rows(c.v16, 1, head_dim) : c.rows(c.v, 1, head_dim);
            std::vector<float> want(out_size, -3.0f);
            std::vector<float> got(out_size, -3.0f);
            force_reference(true);
            attend_group(q.data(), q_stride, n_q, k, v, n_kv, head_dim, scale, scratch.data(), want.data(), q_stride);
            if (f16) {
              // The reference reads an f16 row as exactly the floats it encodes.
              std::vector<float> as_f32(out_size, -3.0f);
              attend_group(q.data(), q_stride, n_q, c.rows(c.k16f, 1, head_dim), c.rows(c.v16f, 1, head_dim), n_kv,
                           head_dim, scale, scratch.data(), as_f32.data(), q_stride);
              ASSERT_EQ(as_f32, want);
            }
            force_reference(false);
            attend_group(q.data(), q_stride, n_q, k, v, n_kv, head_dim, scale, scratch.data(), got.data(), q_stride);
            for (std::size_t i = 0; i < out_size; ++i) {
              if (static_cast<std::int64_t>(i) % q_stride >= head_dim) {
                ASSERT_EQ(got[i], -3.0f) << "wrote between heads";
                continue;
              }
              // Outputs are convex combinations of V entries (|v| < ~5): summation order and exp rounding (2e-7
              // relative) move them by far less than 2e-5.
              ASSERT_NEAR(got[i], want[i], 2e-5) << "head_dim=" << head_dim << " n_q=" << n_q << " n_kv=" << n_kv
                                                 << " block_size=" << block_size << " at " << i;
            }
            // One head alone gives bit for bit what it gives among others.
            std::vector<float> alone(static_cast<std::size_t>(head_dim));
            const std::int32_t h = n_q - 1;
            attend_group(q.data() + h * q_stride, q_stride, 1, k, v, n_kv, head_dim, scale, scratch.data(),
                         alone.data(), head_dim);
            for (std::int32_t d = 0; d < head_dim; ++d) {
              ASSERT_EQ(alone[static_cast<std::size_t>(d)], got[static_cast<std::size_t>(h * q_stride + d)]);
            }
          }
        }
      }
    }
  }
}

// The AVX2 binary16 row conversion (the KV cache's writes) is bit for bit the reference's, specials included.
TEST_F(KernelAvx2, F16RowsConvertAsTheReference) {
  std::mt19937 rng(23);
  std::vector<float> x = random_floats(rng, 1003);
  std::uniform_real_distribution<float> wide(-70000.0f, 70000.0f);
  for (int i = 0; i < 200; ++i) x.push_back(wide(rng));
  for (const float s : {0.0f, -0.0f, 1e-8f, -6e-8f, 3e-5f, 65519.0f, 65520.0f, -1e9f, INFINITY, -INFINITY, NAN})
    x.push_back(s);
  ASSERT_NE(cpu::simd_kernels(GgmlType::kF16)->quantize_row, cpu::reference_kernels(GgmlType::kF16)->quantize_row);
  std::vector<Half> want(x.size()), got(x.size());
  force_reference(true);
  ASSERT_TRUE(quantize_row(GgmlType::kF16, x.data(), want.data(), static_cast<std::int64_t>(x.size())));
  force_reference(false);
  ASSERT_TRUE(quantize_row(GgmlType::kF16, x.data(), got.data(), static_cast<std::int64_t>(x.size())));
  EXPECT_EQ(got, want);
}

TEST_F(KernelAvx2, ForceReferenceSwitchesTheTable) {
  force_reference(true);
  EXPECT_FALSE(simd_active());
  EXPECT_EQ(cpu::kernels_for(GgmlType::kQ5_K), cpu::reference_kernels(GgmlType::kQ5_K));
  force_reference(false);
  EXPECT_TRUE(simd_active());
  EXPECT_EQ(cpu::kernels_for(GgmlType::kQ5_K), cpu::simd_kernels(GgmlType::kQ5_K));  // Q5_K has no AVX-512 path
}

}  // namespace
}  // namespace sovra::kernels
