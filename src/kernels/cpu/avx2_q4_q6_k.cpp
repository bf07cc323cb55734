// AVX2 dot products for Q4_K, Q5_K and Q6_K against Q8_K activations.
#include "kernels/cpu/avx2.hpp"
#include "kernels/cpu/avx2_common.hpp"

namespace sovra::kernels::avx2 {
namespace {

// The 8 scales (bytes 0..7 of the first result) and 8 mins (the second) of Q4_K/Q5_K's 12 packed bytes.
struct ScalesMins {
  __m128i scales;
  __m128i mins;
};

inline ScalesMins unpack_scales_mins(const std::uint8_t* p) {
  const std::uint32_t a0 = load_u32(p);
  const std::uint32_t a1 = load_u32(p + 4);
  const std::uint32_t a2 = load_u32(p + 8);
  const std::uint32_t sc_lo = a0 & 0x3F3F3F3Fu;
  const std::uint32_t sc_hi = (a2 & 0x0F0F0F0Fu) | ((a0 >> 2) & 0x30303030u);
  const std::uint32_t m_lo = a1 & 0x3F3F3F3Fu;
  const std::uint32_t m_hi = ((a2 >> 4) & 0x0F0F0F0Fu) | ((a1 >> 2) & 0x30303030u);
  return {_mm_set_epi32(0, 0, static_cast<int>(sc_hi), static_cast<int>(sc_lo)),
          _mm_set_epi32(0, 0, static_cast<int>(m_hi), static_cast<int>(m_lo))};
}

// Q4_K (kFifthBit false) and Q5_K: element 64p + l of a super-block is the low nibble of byte 32p + l, element
// 64p + 32 + l its high nibble; Q5_K's fifth bits are bits 2p and 2p + 1 of qh[l].
template <typename Block, bool kFifthBit>
struct Q45KKernel {
  template <int T>
  static void run(std::int64_t n, const void* w, const void* const* a, float* out) {
    const auto* x = static_cast<const Block*>(w);
    const BlockQ8_K* y[T];
    __m256 acc[T];
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) {
      y[t] = static_cast<const BlockQ8_K*>(a[t]);
      acc[t] = _mm256_setzero_ps();
    }
    const __m256i mask4 = _mm256_set1_epi8(0x0F);
    const __m256i bit4 = _mm256_set1_epi8(0x10);
    for (std::int64_t b = 0; b < n / kQkK; ++b) {
      const float dx = half_to_float(x[b].d);
      const float mx = half_to_float(x[b].dmin);
      const ScalesMins sm = unpack_scales_mins(x[b].scales);
      const __m128i mins16 = _mm_cvtepu8_epi16(sm.mins);
      // The 8 scales as int16 in both lanes; one byte shuffle then spreads scale i over a whole vector.
      const __m256i scales16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(sm.scales));
      __m256i sumi[T];
      SOVRA_UNROLL
      for (int t = 0; t < T; ++t) {
        // Sum of the activations of each 32-element sub-block, from the 16-element block sums.
        const __m128i pair_sums = _mm_hadd_epi16(loadu128(y[t][b].bsums), loadu128(y[t][b].bsums + 8));
        const __m128 m = _mm_cvtepi32_ps(_mm_madd_epi16(mins16, pair_sums));
        acc[t] = _mm256_fnmadd_ps(_mm256_set1_ps(y[t][b].d * mx), _mm256_zextps128_ps256(m), acc[t]);
        sumi[t] = _mm256_setzero_si256();
      }
      [[maybe_unused]] __m256i high = _mm256_setzero_si256();
      if constexpr (kFifthBit) high = loadu(x[b].qh);
      SOVRA_UNROLL
      for (int p = 0; p < 4; ++p) {
        const __m256i bits = loadu(x[b].qs + 32 * p);
        __m256i lo = _mm256_and_si256(bits, mask4);
        __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), mask4);
        if constexpr (kFifthBit) {
          lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_slli_epi16(high, 4), bit4));
          hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_slli_epi16(high, 3), bit4));
          high = _mm256_srli_epi16(high, 2);  // bits 0-1 of each byte stay its own for the 3 shifts made
        }
        const __m256i sc_lo =
            _mm256_shuffle_epi8(scales16, _mm256_set1_epi16(static_cast<short>(0x0100 + 0x0202 * 2 * p)));
        const __m256i sc_hi =
            _mm256_shuffle_epi8(scales16, _mm256_set1_epi16(static_cast<short>(0x0100 + 0x0202 * (2 * p + 1))));
        SOVRA_UNROLL
        for (int t = 0; t < T; ++t) {
          const __m256i p_lo = dot_u8_i8_scaled(lo, loadu(y[t][b].qs + 64 * p), sc_lo);
          const __m256i p_hi = dot_u8_i8_scaled(hi, loadu(y[t][b].qs + 64 * p + 32), sc_hi);
          sumi[t] = _mm256_add_epi32(sumi[t], _mm256_add_epi32(p_lo, p_hi));
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

// Levels are taken unsigned (0..63, value = level - 32); the -32 is applied once through the block sums.
struct Q6KKernel {
  template <int T>
  static void run(std::int64_t n, const void* w, const void* const* a, float* out) {
    const auto* x = static_cast<const BlockQ6_K*>(w);
    const BlockQ8_K* y[T];
    __m256 acc[T];
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) {
      y[t] = static_cast<const BlockQ8_K*>(a[t]);
      acc[t] = _mm256_setzero_ps();
    }
    const __m256i mask4 = _mm256_set1_epi8(0x0F);
    const __m256i bits45 = _mm256_set1_epi8(0x30);
    for (std::int64_t b = 0; b < n / kQkK; ++b) {
      const float dx = half_to_float(x[b].d);
      const __m128i scales = loadu128(x[b].scales);
      const __m256i scales16 = _mm256_cvtepi8_epi16(scales);
      __m256i sumi[T];
      SOVRA_UNROLL
      for (int t = 0; t < T; ++t) {
        const __m256i offset = _mm256_madd_epi16(loadu(y[t][b].bsums), scales16);
        sumi[t] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(offset, 5));
      }
      SOVRA_UNROLL
      for (std::ptrdiff_t h = 0; h < 2; ++h) {
        const __m256i ql0 = loadu(x[b].ql + 64 * h);
        const __m256i ql1 = loadu(x[b].ql + 64 * h + 32);
        const __m256i qh = loadu(x[b].qh + 32 * h);
        const __m256i q[4] = {
            _mm256_or_si256(_mm256_and_si256(ql0, mask4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), bits45)),
            _mm256_or_si256(_mm256_and_si256(ql1, mask4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), bits45)),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), mask4), _mm256_and_si256(qh, bits45)),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), mask4),
                            _mm256_and_si256(_mm256_srli_epi16(qh, 2), bits45)),
        };
        SOVRA_UNROLL
        for (int k = 0; k < 4; ++k) {
          const __m256i sc = pair_scales(scales, static_cast<int>(4 * h + k));
          SOVRA_UNROLL
          for (int t = 0; t < T; ++t) {
            const __m256i p = dot_u8_i8_scaled(q[k], loadu(y[t][b].qs + 128 * h + 32 * k), sc);
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

using Q4KKernel = Q45KKernel<BlockQ4_K, false>;
using Q5KKernel = Q45KKernel<BlockQ5_K, true>;

}  // namespace

float vec_dot_q4_k(std::int64_t n, const void* w, const void* a) { return run_single<Q4KKernel>(n, w, a); }
float vec_dot_q5_k(std::int64_t n, const void* w, const void* a) { return run_single<Q5KKernel>(n, w, a); }
float vec_dot_q6_k(std::int64_t n, const void* w, const void* a) { return run_single<Q6KKernel>(n, w, a); }

void vec_dot_tile_q4_k(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                       std::int64_t out_stride) {
  run_tile<Q4KKernel>(n, w, a, a_stride, n_act, out, out_stride);
}
void vec_dot_tile_q5_k(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                       std::int64_t out_stride) {
  run_tile<Q5KKernel>(n, w, a, a_stride, n_act, out, out_stride);
}
void vec_dot_tile_q6_k(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                       std::int64_t out_stride) {
  run_tile<Q6KKernel>(n, w, a, a_stride, n_act, out, out_stride);
}

}  // namespace sovra::kernels::avx2
