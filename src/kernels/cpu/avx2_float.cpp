// AVX2 dot products of F32, F16 and BF16 weight rows with F32 activations.
#include "kernels/cpu/avx2.hpp"
#include "kernels/cpu/avx2_common.hpp"

namespace sovra::kernels::avx2 {
namespace {

struct F32Source {
  static __m256 load8(const void* w, std::int64_t i) { return _mm256_loadu_ps(static_cast<const float*>(w) + i); }
  static float load1(const void* w, std::int64_t i) { return static_cast<const float*>(w)[i]; }
};

struct F16Source {
  static __m256 load8(const void* w, std::int64_t i) {
    return _mm256_cvtph_ps(loadu128(static_cast<const Half*>(w) + i));
  }
  static float load1(const void* w, std::int64_t i) { return half_to_float(static_cast<const Half*>(w)[i]); }
};

struct Bf16Source {
  static __m256 load8(const void* w, std::int64_t i) {
    const __m256i wide = _mm256_cvtepu16_epi32(loadu128(static_cast<const Bf16*>(w) + i));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
  }
  static float load1(const void* w, std::int64_t i) {
    const std::uint32_t bits = static_cast<std::uint32_t>(static_cast<const Bf16*>(w)[i]) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
};

template <typename Source>
struct FloatKernel {
  template <int T>
  static void run(std::int64_t n, const void* w, const void* const* a, float* out) {
    constexpr std::int64_t kUnroll = T == 1 ? 4 : 2;  // independent accumulators per row, bounded by the 16 registers
    const float* y[T];
    __m256 acc[T][kUnroll];
    float tail[T];
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) {
      y[t] = static_cast<const float*>(a[t]);
      SOVRA_UNROLL
      for (int u = 0; u < kUnroll; ++u) acc[t][u] = _mm256_setzero_ps();
      tail[t] = 0.0f;
    }
    std::int64_t i = 0;
    for (; i + 8 * kUnroll <= n; i += 8 * kUnroll) {
      SOVRA_UNROLL
      for (std::int64_t u = 0; u < kUnroll; ++u) {
        const __m256 wv = Source::load8(w, i + 8 * u);
        SOVRA_UNROLL
        for (int t = 0; t < T; ++t) acc[t][u] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(y[t] + i + 8 * u), acc[t][u]);
      }
    }
    for (; i + 8 <= n; i += 8) {
      const __m256 wv = Source::load8(w, i);
      SOVRA_UNROLL
      for (int t = 0; t < T; ++t) acc[t][0] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(y[t] + i), acc[t][0]);
    }
    for (; i < n; ++i) {
      const float wi = Source::load1(w, i);
      SOVRA_UNROLL
      for (int t = 0; t < T; ++t) tail[t] += wi * y[t][i];
    }
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) {
      __m256 s = acc[t][0];
      for (int u = 1; u < kUnroll; ++u) s = _mm256_add_ps(s, acc[t][u]);
      out[t] = hsum(s) + tail[t];
    }
  }
};

}  // namespace

float vec_dot_f32(std::int64_t n, const void* w, const void* a) { return run_single<FloatKernel<F32Source>>(n, w, a); }
float vec_dot_f16(std::int64_t n, const void* w, const void* a) { return run_single<FloatKernel<F16Source>>(n, w, a); }
float vec_dot_bf16(std::int64_t n, const void* w, const void* a) {
  return run_single<FloatKernel<Bf16Source>>(n, w, a);
}

void vec_dot_tile_f32(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                      std::int64_t out_stride) {
  run_tile<FloatKernel<F32Source>>(n, w, a, a_stride, n_act, out, out_stride);
}
void vec_dot_tile_f16(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                      std::int64_t out_stride) {
  run_tile<FloatKernel<F16Source>>(n, w, a, a_stride, n_act, out, out_stride);
}
void vec_dot_tile_bf16(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                       std::int64_t out_stride) {
  run_tile<FloatKernel<Bf16Source>>(n, w, a, a_stride, n_act, out, out_stride);
}

}  // namespace sovra::kernels::avx2
