// AVX-512 VNNI products of Q6_K weight rows with Q8_K activations (see avx512.hpp).
//
// Each 128-element half of a super-block unpacks into two 64-byte vectors of unsigned 6-bit levels in element
// order, so the activations are used in their plain Q8_K layout. VPDPBUSD gives, per int32 lane, 4 of the 16
// elements of a sub-block; lanes are multiplied by their sub-block scale in int32, and the levels' offset of 32
// is removed exactly with one VPDPWSSD of the 16 scales with the 16 block sums of Q8_K. As in the reference, float
// arithmetic starts only with d * d_a per super-block.
//
// Compiled with the AVX-512 flags of avx512_legacy.cpp, with the same rule about included definitions.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>

#include "kernels/cpu/avx2.hpp"
#include "kernels/cpu/avx512.hpp"
#include "kernels/quant/blocks.hpp"

#define SOVRA_UNROLL _Pragma("GCC unroll 16")

namespace sovra::kernels::avx512 {
namespace {

constexpr int kTokens = 4;  // activation rows per micro-kernel call; one weight row per call

inline float hsum(__m512 v) {
  v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
  __m128 s = _mm512_castps512_ps128(v);
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

struct RowBlock {
  __m512i q[4];   // levels 0-63 of elements 64k .. 64k + 63
  __m512i sc[4];  // int32 scale of each lane's sub-block
  __m256i sc16;   // the 16 scales as int16
  __m512 d;
};

inline RowBlock load_row_block(const BlockQ6_K& x) {
  RowBlock rb;
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  const __m512i bits45 = _mm512_set1_epi8(0x30);
  SOVRA_UNROLL
  for (int h = 0; h < 2; ++h) {
    const __m512i l = _mm512_loadu_si512(x.ql + 64 * h);
    // qh bytes of this half in both 256-bit halves, the upper one shifted by 2: bits 0-1 / 4-5 of each byte then
    // belong to elements l, 32 + l (lower) and 64 + l, 96 + l (upper).
    const __m512i qh = _mm512_srlv_epi64(
        _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qh + 32 * h))),
        _mm512_setr_epi64(0, 0, 0, 0, 2, 2, 2, 2));
    rb.q[2 * h] = _mm512_or_si512(_mm512_and_si512(l, low4), _mm512_and_si512(_mm512_slli_epi16(qh, 4), bits45));
    rb.q[2 * h + 1] =
        _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), low4), _mm512_and_si512(qh, bits45));
  }
  const __m128i sc8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x.scales));
  const __m512i sc32 = _mm512_cvtepi8_epi32(sc8);
  rb.sc[0] = _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3), sc32);
  rb.sc[1] = _mm512_permutexvar_epi32(_mm512_setr_epi32(4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7), sc32);
  rb.sc[2] = _mm512_permutexvar_epi32(_mm512_setr_epi32(8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11), sc32);
  rb.sc[3] =
      _mm512_permutexvar_epi32(_mm512_setr_epi32(12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15), sc32);
  rb.sc16 = _mm256_cvtepi8_epi16(sc8);
  rb.d = _mm512_set1_ps(_cvtsh_ss(x.d));
  return rb;
}

template <int T>
void micro(std::int64_t n, const std::uint8_t* w, const std::uint8_t* a, std::int64_t a_stride, float* y,
           std::int64_t y_stride) {
  const auto* x = reinterpret_cast<const BlockQ6_K*>(w);
  const BlockQ8_K* act[T];
  __m512 acc[T];
  SOVRA_UNROLL
  for (int t = 0; t < T; ++t) {
    act[t] = reinterpret_cast<const BlockQ8_K*>(a + t * a_stride);
    acc[t] = _mm512_setzero_ps();
  }
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    const RowBlock rb = load_row_block(x[b]);
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) {
      const BlockQ8_K& ya = act[t][b];
      // -32 * sum(sc_i * bsum_i) in lanes 0-7, the offset of the unsigned levels.
      const __m256i off = _mm256_dpwssd_epi32(_mm256_setzero_si256(), rb.sc16,
                                              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ya.bsums)));
      __m512i isum = _mm512_zextsi256_si512(_mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(off, 5)));
      SOVRA_UNROLL
      for (int k = 0; k < 4; ++k) {
        const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), rb.q[k], _mm512_loadu_si512(ya.qs + 64 * k));
        isum = _mm512_add_epi32(isum, _mm512_mullo_epi32(dot, rb.sc[k]));
      }
      acc[t] = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(isum), rb.d), _mm512_set1_ps(ya.d), acc[t]);
    }
  }
  SOVRA_UNROLL
  for (int t = 0; t < T; ++t) y[t * y_stride] = hsum(acc[t]);
}

using MicroFn = void (*)(std::int64_t, const std::uint8_t*, const std::uint8_t*, std::int64_t, float*, std::int64_t);

template <int T = kTokens>
constexpr MicroFn pick(int t) {
  if constexpr (T == 1) {
    return micro<1>;
  } else {
    return t == T ? micro<T> : pick<T - 1>(t);
  }
}

}  // namespace

std::int64_t act_row_bytes_q6_k(std::int64_t n) { return n / kQkK * static_cast<std::int64_t>(sizeof(BlockQ8_K)); }

void encode_act_q6_k(const float* x, void* dst, std::int64_t n) { avx2::quantize_row_q8_k(x, dst, n); }

void gemm_q6_k(std::int64_t n, const void* w, std::int64_t w_stride, std::int64_t rows, const void* a,
               std::int64_t a_stride, std::int64_t n_tokens, float* y, std::int64_t y_stride) {
  const auto* wb = static_cast<const std::uint8_t*>(w);
  const auto* ab = static_cast<const std::uint8_t*>(a);
  for (std::int64_t t0 = 0; t0 < n_tokens; t0 += kTokens) {
    const int nt = static_cast<int>(n_tokens - t0 < kTokens ? n_tokens - t0 : kTokens);
    const MicroFn f = pick(nt);
    for (std::int64_t r = 0; r < rows; ++r) {
      f(n, wb + r * w_stride, ab + t0 * a_stride, a_stride, y + t0 * y_stride + r, y_stride);
    }
  }
}

}  // namespace sovra::kernels::avx512
