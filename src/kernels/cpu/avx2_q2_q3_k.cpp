// AVX2 dot products for Q2_K and Q3_K against Q8_K activations. Both hold 2 low bits of four 32-element runs in
// each 32-byte group of qs; Q3_K adds a third bit from hmask and signed 6-bit scales.
#include "kernels/cpu/avx2.hpp"
#include "kernels/cpu/avx2_common.hpp"

namespace sovra::kernels::avx2 {
namespace {

struct Q2KKernel {
  template <int T>
  static void run(std::int64_t n, const void* w, const void* const* a, float* out) {
    const auto* x = static_cast<const BlockQ2_K*>(w);
    const BlockQ8_K* y[T];
    __m256 acc[T];
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) {
      y[t] = static_cast<const BlockQ8_K*>(a[t]);
      acc[t] = _mm256_setzero_ps();
    }
    const __m256i mask2 = _mm256_set1_epi8(3);
    for (std::int64_t b = 0; b < n / kQkK; ++b) {
      const float dx = half_to_float(x[b].d);
      const float mx = half_to_float(x[b].dmin);
      const __m128i raw = loadu128(x[b].scales);
      const __m128i scales = _mm_and_si128(raw, _mm_set1_epi8(0x0F));
      const __m256i mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(raw, 4), _mm_set1_epi8(0x0F)));
      __m256i sumi[T];
      SOVRA_UNROLL
      for (int t = 0; t < T; ++t) {
        // The min term: sum over sub-blocks of min_i * (sum of the 16 activations), from the block sums.
        const __m256 m = _mm256_cvtepi32_ps(_mm256_madd_epi16(loadu(y[t][b].bsums), mins));
        acc[t] = _mm256_fnmadd_ps(_mm256_set1_ps(y[t][b].d * mx), m, acc[t]);
        sumi[t] = _mm256_setzero_si256();
      }
      SOVRA_UNROLL
      for (std::ptrdiff_t h = 0; h < 2; ++h) {
        const __m256i bits = loadu(x[b].qs + 32 * h);
        SOVRA_UNROLL
        for (int s = 0; s < 4; ++s) {
          const __m256i q = _mm256_and_si256(_mm256_srli_epi16(bits, 2 * s), mask2);
          const __m256i sc = pair_scales(scales, static_cast<int>(4 * h + s));
          SOVRA_UNROLL
          for (int t = 0; t < T; ++t) {
            const __m256i p = dot_u8_i8_scaled(q, loadu(y[t][b].qs + 128 * h + 32 * s), sc);
            sumi[t] = _mm256_add_epi32(sumi[t], p);
          }
        }
      }
      SOVRA_UNROLL
      for (int t = 0; t < T; ++t) {
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(y[t][b].d * dx), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
      }
    }
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) out[t] = hsum(acc[t]);
  }
};

// The 16 six-bit scales of Q3_K, minus 32, as signed bytes.
inline __m128i q3_k_scales(const std::uint8_t* p) {
  const std::uint32_t a0 = load_u32(p);
  const std::uint32_t a1 = load_u32(p + 4);
  const std::uint32_t a2 = load_u32(p + 8);
  const std::uint32_t w0 = (a0 & 0x0F0F0F0Fu) | ((a2 << 4) & 0x30303030u);
  const std::uint32_t w1 = (a1 & 0x0F0F0F0Fu) | ((a2 << 2) & 0x30303030u);
  const std::uint32_t w2 = ((a0 >> 4) & 0x0F0F0F0Fu) | (a2 & 0x30303030u);
  const std::uint32_t w3 = ((a1 >> 4) & 0x0F0F0F0Fu) | ((a2 >> 2) & 0x30303030u);
  const __m128i raw =
      _mm_set_epi32(static_cast<int>(w3), static_cast<int>(w2), static_cast<int>(w1), static_cast<int>(w0));
  return _mm_sub_epi8(raw, _mm_set1_epi8(32));
}

// Levels are taken unsigned (0..7, value = level - 4); the -4 is applied once through the block sums.
struct Q3KKernel {
  template <int T>
  static void run(std::int64_t n, const void* w, const void* const* a, float* out) {
    const auto* x = static_cast<const BlockQ3_K*>(w);
    const BlockQ8_K* y[T];
    __m256 acc[T];
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) {
      y[t] = static_cast<const BlockQ8_K*>(a[t]);
      acc[t] = _mm256_setzero_ps();
    }
    const __m256i mask2 = _mm256_set1_epi8(3);
    const __m256i bit2 = _mm256_set1_epi8(4);
    for (std::int64_t b = 0; b < n / kQkK; ++b) {
      const float dx = half_to_float(x[b].d);
      const __m128i scales = q3_k_scales(x[b].scales);
      const __m256i scales16 = _mm256_cvtepi8_epi16(scales);
      __m256i sumi[T];
      SOVRA_UNROLL
      for (int t = 0; t < T; ++t) {
        const __m256i offset = _mm256_madd_epi16(loadu(y[t][b].bsums), scales16);
        sumi[t] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(offset, 2));
      }
      __m256i high = loadu(x[b].hmask);  // bit 4h + s of byte l: third bit of element 128h + 32s + l
      SOVRA_UNROLL
      for (std::ptrdiff_t h = 0; h < 2; ++h) {
        const __m256i bits = loadu(x[b].qs + 32 * h);
        SOVRA_UNROLL
        for (int s = 0; s < 4; ++s) {
          const __m256i third = _mm256_and_si256(_mm256_slli_epi16(high, 2), bit2);
          high = _mm256_srli_epi16(high, 1);  // bits from the neighbouring byte reach bit 0 only after 8 shifts
          const __m256i q = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(bits, 2 * s), mask2), third);
          const __m256i sc = pair_scales(scales, static_cast<int>(4 * h + s));
          SOVRA_UNROLL
          for (int t = 0; t < T; ++t) {
            const __m256i p = dot_u8_i8_scaled(q, loadu(y[t][b].qs + 128 * h + 32 * s), sc);
            sumi[t] = _mm256_add_epi32(sumi[t], p);
          }
        }
      }
      SOVRA_UNROLL
      for (int t = 0; t < T; ++t) {
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(y[t][b].d * dx), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
      }
    }
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) out[t] = hsum(acc[t]);
  }
};

}  // namespace

float vec_dot_q2_k(std::int64_t n, const void* w, const void* a) { return run_single<Q2KKernel>(n, w, a); }
float vec_dot_q3_k(std::int64_t n, const void* w, const void* a) { return run_single<Q3KKernel>(n, w, a); }

void vec_dot_tile_q2_k(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                       std::int64_t out_stride) {
  run_tile<Q2KKernel>(n, w, a, a_stride, n_act, out, out_stride);
}
void vec_dot_tile_q3_k(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                       std::int64_t out_stride) {
  run_tile<Q3KKernel>(n, w, a, a_stride, n_act, out, out_stride);
}

}  // namespace sovra::kernels::avx2
