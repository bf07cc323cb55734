// AVX-512 VNNI products of Q4_K weight rows with Q8_K activations (see avx512.hpp).
//
// Activations are quantized exactly as quantize_row_q8_k does and regrouped per super-block so that one 64-byte
// load matches one 64-byte load of the weights' nibbles: qs bytes 0-63 give sub-blocks 0 and 2 (low nibbles) and
// 1 and 3 (high nibbles), bytes 64-127 sub-blocks 4, 6 and 5, 7. Each of the four VPDPBUSD results is multiplied
// lane-wise by its sub-block scales in int32 (exact, as the reference's integer sum), the mins term
// sum(m_j * sum of sub-block j's activations) is one VPDPWSSD over 8 int16 pairs, and only then does float
// arithmetic start: (d * isum - dmin * imin) * d_a per super-block.
//
// Compiled with the AVX-512 flags of avx512_legacy.cpp, with the same rule about included definitions.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>
#include <cstring>

#include "kernels/cpu/avx2.hpp"
#include "kernels/cpu/avx512.hpp"
#include "kernels/quant/blocks.hpp"

#define SOVRA_UNROLL _Pragma("GCC unroll 16")

namespace sovra::kernels::avx512 {
namespace {

constexpr int kTokens = 4;  // activation rows per micro-kernel call; one weight row per call

struct KAct {                // 320 bytes per super-block of 256 activations
  std::int8_t qs[4][64];    // [sub-block 0 | 2], [1 | 3], [4 | 6], [5 | 7], 32 levels each
  std::int16_t sums[8];     // level sum of each sub-block
  float d;
  std::uint8_t pad[44];
};
static_assert(sizeof(KAct) == 320);

inline float hsum(__m512 v) {
  v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
  __m128 s = _mm512_castps512_ps128(v);
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline std::uint32_t load_u32(const void* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

struct RowBlock {
  __m512i q[4];   // unsigned 4-bit levels in activation order
  __m512i sc[4];  // int32 scale of each lane's sub-block
  __m128i mins;   // m_0 .. m_7 as int16
  __m512 d;
  __m512 neg_dmin;
};

inline RowBlock load_row_block(const BlockQ4_K& x) {
  RowBlock rb;
  const __m512i mask = _mm512_set1_epi8(0x0F);
  const __m512i q0 = _mm512_loadu_si512(x.qs);
  const __m512i q1 = _mm512_loadu_si512(x.qs + 64);
  rb.q[0] = _mm512_and_si512(q0, mask);
  rb.q[1] = _mm512_and_si512(_mm512_srli_epi16(q0, 4), mask);
  rb.q[2] = _mm512_and_si512(q1, mask);
  rb.q[3] = _mm512_and_si512(_mm512_srli_epi16(q1, 4), mask);
  const std::uint32_t a0 = load_u32(x.scales);
  const std::uint32_t a1 = load_u32(x.scales + 4);
  const std::uint32_t a2 = load_u32(x.scales + 8);
  const std::uint32_t sc_lo = a0 & 0x3F3F3F3Fu;
  const std::uint32_t sc_hi = (a2 & 0x0F0F0F0Fu) | ((a0 >> 2) & 0x30303030u);
  const std::uint32_t m_lo = a1 & 0x3F3F3F3Fu;
  const std::uint32_t m_hi = ((a2 >> 4) & 0x0F0F0F0Fu) | ((a1 >> 2) & 0x30303030u);
  const __m512i sc32 = _mm512_cvtepu8_epi32(_mm_set_epi32(0, 0, static_cast<int>(sc_hi), static_cast<int>(sc_lo)));
  // Vector k covers sub-blocks (0, 2), (1, 3), (4, 6), (5, 7): 8 lanes each.
  rb.sc[0] = _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2), sc32);
  rb.sc[1] = _mm512_permutexvar_epi32(_mm512_setr_epi32(1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3), sc32);
  rb.sc[2] = _mm512_permutexvar_epi32(_mm512_setr_epi32(4, 4, 4, 4, 4, 4, 4, 4, 6, 6, 6, 6, 6, 6, 6, 6), sc32);
  rb.sc[3] = _mm512_permutexvar_epi32(_mm512_setr_epi32(5, 5, 5, 5, 5, 5, 5, 5, 7, 7, 7, 7, 7, 7, 7, 7), sc32);
  rb.mins = _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, static_cast<int>(m_hi), static_cast<int>(m_lo)));
  rb.d = _mm512_set1_ps(_cvtsh_ss(x.d));
  rb.neg_dmin = _mm512_set1_ps(-_cvtsh_ss(x.dmin));
  return rb;
}

template <int T>
void micro(std::int64_t n, const std::uint8_t* w, const std::uint8_t* a, std::int64_t a_stride, float* y,
           std::int64_t y_stride) {
  const auto* x = reinterpret_cast<const BlockQ4_K*>(w);
  const KAct* act[T];
  __m512 acc[T];
  SOVRA_UNROLL
  for (int t = 0; t < T; ++t) {
    act[t] = reinterpret_cast<const KAct*>(a + t * a_stride);
    acc[t] = _mm512_setzero_ps();
  }
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    const RowBlock rb = load_row_block(x[b]);
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) {
      const KAct& ka = act[t][b];
      __m512i isum = _mm512_setzero_si512();
      SOVRA_UNROLL
      for (int k = 0; k < 4; ++k) {
        const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), rb.q[k], _mm512_loadu_si512(ka.qs[k]));
        isum = _mm512_add_epi32(isum, _mm512_mullo_epi32(dot, rb.sc[k]));
      }
      const __m128i imin = _mm_dpwssd_epi32(_mm_setzero_si128(), rb.mins,
                                            _mm_loadu_si128(reinterpret_cast<const __m128i*>(ka.sums)));
      __m512 part = _mm512_mul_ps(_mm512_cvtepi32_ps(isum), rb.d);
      part = _mm512_fmadd_ps(_mm512_zextps128_ps512(_mm_cvtepi32_ps(imin)), rb.neg_dmin, part);
      acc[t] = _mm512_fmadd_ps(part, _mm512_set1_ps(ka.d), acc[t]);
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

std::int64_t act_row_bytes_q4_k(std::int64_t n) { return n / kQkK * static_cast<std::int64_t>(sizeof(KAct)); }

void encode_act_q4_k(const float* x, void* dst, std::int64_t n) {
  auto* out = static_cast<KAct*>(dst);
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    BlockQ8_K q;
    avx2::quantize_row_q8_k(x + b * kQkK, &q, kQkK);
    KAct& ka = out[b];
    std::memset(&ka, 0, sizeof ka);
    for (int k = 0; k < 4; ++k) {
      // Vector k holds sub-blocks s0 = 4 * (k / 2) + k % 2 and s0 + 2.
      const int s0 = 4 * (k / 2) + k % 2;
      std::memcpy(ka.qs[k], q.qs + 32 * s0, 32);
      std::memcpy(ka.qs[k] + 32, q.qs + 32 * (s0 + 2), 32);
    }
    for (int j = 0; j < 8; ++j) ka.sums[j] = static_cast<std::int16_t>(q.bsums[2 * j] + q.bsums[2 * j + 1]);
    ka.d = q.d;
  }
}

// Token blocks outside, rows inside, as in gemm_q4_0.
void gemm_q4_k(std::int64_t n, const void* w, std::int64_t w_stride, std::int64_t rows, const void* a,
               std::int64_t a_stride, std::int64_t n_tokens, float* y, std::int64_t y_stride) {
  const auto* wb = static_cast<const std::uint8_t*>(w);
  const auto* ab = static_cast<const std::uint8_t*>(a);
  for (std::int64_t t0 = 0; t0 < n_tokens; t0 += kTokens) {
    const int nt = static_cast<int>(n_tokens - t0 < kTokens ? n_tokens - t0 : kTokens);
    const MicroFn f = pick(nt);
    for (std::int64_t r = 0; r < rows; ++r) f(n, wb + r * w_stride, ab + t0 * a_stride, a_stride, y + t0 * y_stride + r, y_stride);
  }
}

}  // namespace sovra::kernels::avx512
