// AVX2 dot products for the 32-element block types: Q4_0, Q5_0, Q8_0 (against Q8_0 activations) and Q4_1, Q5_1
// (against Q8_1 activations, whose block sum carries the min term).
#include "kernels/cpu/avx2.hpp"
#include "kernels/cpu/avx2_common.hpp"

namespace sovra::kernels::avx2 {
namespace {

// Levels as signed bytes (the value divided by d).
inline __m256i signed_levels(const BlockQ4_0& b) { return _mm256_sub_epi8(unpack_nibbles(b.qs), _mm256_set1_epi8(8)); }

inline __m256i signed_levels(const BlockQ5_0& b) {
  // nibble | 0xF0 reads as nibble - 16 where the fifth bit is clear; where it is set the level is the nibble.
  const __m256i fifth = spread_bits(load_u32(b.qh));
  return _mm256_or_si256(unpack_nibbles(b.qs), _mm256_andnot_si256(fifth, _mm256_set1_epi8(static_cast<char>(0xF0))));
}

inline __m256i signed_levels(const BlockQ8_0& b) { return loadu(b.qs); }

// Levels as unsigned bytes: value = d * level + m.
inline __m256i unsigned_levels(const BlockQ4_1& b) { return unpack_nibbles(b.qs); }

inline __m256i unsigned_levels(const BlockQ5_1& b) {
  const __m256i fifth = _mm256_and_si256(spread_bits(load_u32(b.qh)), _mm256_set1_epi8(0x10));
  return _mm256_or_si256(unpack_nibbles(b.qs), fifth);
}

// Blocks are processed in pairs with two accumulators per row so that consecutive FMAs do not wait on each other.
template <typename Block>
struct SignedKernel {
  template <int T>
  static void run(std::int64_t n, const void* w, const void* const* a, float* out) {
    const auto* x = static_cast<const Block*>(w);
    const BlockQ8_0* y[T];
    __m256 acc0[T];
    __m256 acc1[T];
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) {
      y[t] = static_cast<const BlockQ8_0*>(a[t]);
      acc0[t] = _mm256_setzero_ps();
      acc1[t] = _mm256_setzero_ps();
    }
    auto step = [&](std::int64_t b, __m256* acc) {
      const __m256i qx = signed_levels(x[b]);
      const __m256i ax = _mm256_sign_epi8(qx, qx);
      [[maybe_unused]] __m128 scales = _mm_setzero_ps();  // T > 1: all rows' scales from one conversion
      if constexpr (T > 1) scales = tile_scales<T>(x[b].d, y, b);
      SOVRA_UNROLL
      for (int t = 0; t < T; ++t) {
        const __m256 p = _mm256_cvtepi32_ps(dot_i8_i8(ax, qx, loadu(y[t][b].qs)));
        __m256 scale;
        if constexpr (T == 1) {
          scale = half_product(x[b].d, y[t][b].d);
        } else {
          scale = broadcast_lane(scales, t);
        }
        acc[t] = _mm256_fmadd_ps(scale, p, acc[t]);
      }
    };
    const std::int64_t nb = n / kQk;
    std::int64_t b = 0;
    for (; b + 1 < nb; b += 2) {
      step(b, acc0);
      step(b + 1, acc1);
    }
    if (b < nb) step(b, acc0);
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) out[t] = hsum(_mm256_add_ps(acc0[t], acc1[t]));
  }
};

template <typename Block>
struct MinKernel {
  template <int T>
  static void run(std::int64_t n, const void* w, const void* const* a, float* out) {
    const auto* x = static_cast<const Block*>(w);
    const BlockQ8_1* y[T];
    __m256 acc0[T];
    __m256 acc1[T];
    float min_sum[T];
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) {
      y[t] = static_cast<const BlockQ8_1*>(a[t]);
      acc0[t] = _mm256_setzero_ps();
      acc1[t] = _mm256_setzero_ps();
      min_sum[t] = 0.0f;
    }
    auto step = [&](std::int64_t b, __m256* acc) {
      const __m256i qx = unsigned_levels(x[b]);
      const float mx = half_to_float(x[b].m);
      [[maybe_unused]] __m128 scales = _mm_setzero_ps();  // T > 1: all rows' scales from one conversion
      if constexpr (T > 1) scales = tile_scales<T>(x[b].d, y, b);
      SOVRA_UNROLL
      for (int t = 0; t < T; ++t) {
        const __m256 p = _mm256_cvtepi32_ps(dot_u8_i8(qx, loadu(y[t][b].qs)));
        __m256 scale;
        if constexpr (T == 1) {
          scale = half_product(x[b].d, y[t][b].d);
        } else {
          scale = broadcast_lane(scales, t);
        }
        acc[t] = _mm256_fmadd_ps(scale, p, acc[t]);
        min_sum[t] += mx * half_to_float(y[t][b].s);
      }
    };
    const std::int64_t nb = n / kQk;
    std::int64_t b = 0;
    for (; b + 1 < nb; b += 2) {
      step(b, acc0);
      step(b + 1, acc1);
    }
    if (b < nb) step(b, acc0);
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) out[t] = hsum(_mm256_add_ps(acc0[t], acc1[t])) + min_sum[t];
  }
};

}  // namespace

float vec_dot_q4_0(std::int64_t n, const void* w, const void* a) {
  return run_single<SignedKernel<BlockQ4_0>>(n, w, a);
}
float vec_dot_q5_0(std::int64_t n, const void* w, const void* a) {
  return run_single<SignedKernel<BlockQ5_0>>(n, w, a);
}
float vec_dot_q8_0(std::int64_t n, const void* w, const void* a) {
  return run_single<SignedKernel<BlockQ8_0>>(n, w, a);
}
float vec_dot_q4_1(std::int64_t n, const void* w, const void* a) { return run_single<MinKernel<BlockQ4_1>>(n, w, a); }
float vec_dot_q5_1(std::int64_t n, const void* w, const void* a) { return run_single<MinKernel<BlockQ5_1>>(n, w, a); }

void vec_dot_tile_q4_0(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                       std::int64_t out_stride) {
  run_tile<SignedKernel<BlockQ4_0>>(n, w, a, a_stride, n_act, out, out_stride);
}
void vec_dot_tile_q5_0(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                       std::int64_t out_stride) {
  run_tile<SignedKernel<BlockQ5_0>>(n, w, a, a_stride, n_act, out, out_stride);
}
void vec_dot_tile_q8_0(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                       std::int64_t out_stride) {
  run_tile<SignedKernel<BlockQ8_0>>(n, w, a, a_stride, n_act, out, out_stride);
}
void vec_dot_tile_q4_1(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                       std::int64_t out_stride) {
  run_tile<MinKernel<BlockQ4_1>>(n, w, a, a_stride, n_act, out, out_stride);
}
void vec_dot_tile_q5_1(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                       std::int64_t out_stride) {
  run_tile<MinKernel<BlockQ5_1>>(n, w, a, a_stride, n_act, out, out_stride);
}

}  // namespace sovra::kernels::avx2
