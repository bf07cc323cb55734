// AVX-512 VNNI product of Q4_K weights in the kQ4_Kx16 layout (kernels/packed.hpp) with Q8_K activations.
//
// Lane i of every vector is row i of the 16-row group. For sub-block s, 8 VPDPBUSD of the rows' 4-bit levels
// against 4 activation levels broadcast to all lanes give the 16 rows' integer sums; each is multiplied by the
// rows' sub-block scales (unpacked at load: one zero-extending load) and added in int32, exactly as the
// reference's integer sum. The mins term sum_s m_s * (activation sum of s) comes from two VPDPBUSD pairs over
// the rows' mins (u8) against the sub-block sums split as 128 * hi + lo with hi, lo in int8. Float arithmetic
// starts only per super-block: (d * isum - dmin * imin) * d_a.
//
// Compiled with the AVX-512 flags of the other avx512_*.cpp units; nothing with external linkage besides the
// functions declared in avx512.hpp.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>
#include <cstring>

#include "kernels/cpu/avx2.hpp"
#include "kernels/cpu/avx512.hpp"
#include "kernels/cpu/avx512_packed.hpp"
#include "kernels/quant/blocks.hpp"

#define SOVRA_UNROLL _Pragma("GCC unroll 16")

namespace sovra::kernels::avx512 {
namespace {

constexpr int kTokens = 8;  // activation rows per pass: 3 x 8 accumulators, one unpacked slice
constexpr std::int64_t kSuperBytes = 2368;
constexpr std::int64_t kScaleOff = 2048;
constexpr std::int64_t kMinOff = kScaleOff + 128;
constexpr std::int64_t kDOff = kMinOff + 128;

struct KActX16 {         // 288 bytes per super-block of 256 activations
  std::int8_t qs[kQkK];  // as quantize_row_q8_k: sub-block s = qs[32s .. 32s + 31]
  float d;
  std::int8_t lo[8];  // sub-block level sums as 128 * hi + lo, lo in [0, 127]
  std::int8_t hi[8];
  std::uint8_t pad[12];
};
static_assert(sizeof(KActX16) == 288);

template <int T>
void micro(std::int64_t nb, const std::uint8_t* g, const std::uint8_t* a, std::int64_t a_stride, float* y,
           std::int64_t y_stride) {
  const KActX16* act[T];
  __m512 acc[T];
  SOVRA_UNROLL
  for (int t = 0; t < T; ++t) {
    act[t] = reinterpret_cast<const KActX16*>(a + t * a_stride);
    acc[t] = _mm512_setzero_ps();
  }
  const __m512i mask = _mm512_set1_epi8(0x0F);
  for (std::int64_t b = 0; b < nb; ++b) {
    const std::uint8_t* s = g + b * kSuperBytes;
    // Two super-blocks ahead, for every token count.
    prefetch_lines(s + 2 * kSuperBytes, kSuperBytes);
    __m512i isum[T];
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) isum[t] = _mm512_setzero_si512();
    SOVRA_UNROLL
    for (int sb = 0; sb < 8; ++sb) {
      const int p = sb / 2;
      const __m512i sc =
          _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + kScaleOff + 16 * sb)));
      // One slice of levels at a time, against every token: a register per token's sum instead of all 8 slices
      // unpacked at once, so up to 8 tokens (not 4) share each unpacking. In cache, one thread, 5632 x 2048:
      // 128 tokens 7.7-8.5 -> 6.0-6.4 ms, 8 tokens 0.49 -> 0.38-0.42 ms. Two groups per pass sharing the
      // broadcasts (as the Q4_0 kernel does) fit only 4 tokens here and measured no better (8 tokens: 0.44-0.46).
      __m512i d[T];
      SOVRA_UNROLL
      for (int t = 0; t < T; ++t) d[t] = _mm512_setzero_si512();
      SOVRA_UNROLL
      for (int m = 0; m < 8; ++m) {
        const __m512i q = _mm512_loadu_si512(s + 512 * p + 64 * m);
        const __m512i lv = sb % 2 == 0 ? _mm512_and_si512(q, mask) : _mm512_and_si512(_mm512_srli_epi16(q, 4), mask);
        SOVRA_UNROLL
        for (int t = 0; t < T; ++t) d[t] = dpbusd_bcast(d[t], lv, act[t][b].qs + 32 * sb + 4 * m);
      }
      SOVRA_UNROLL
      for (int t = 0; t < T; ++t) isum[t] = _mm512_add_epi32(isum[t], _mm512_mullo_epi32(d[t], sc));
    }
    const __m512i m0 = _mm512_loadu_si512(s + kMinOff);
    const __m512i m1 = _mm512_loadu_si512(s + kMinOff + 64);
    const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + kDOff)));
    const __m512 dmin = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + kDOff + 32)));
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) {
      const KActX16& ka = act[t][b];
      const __m512i il = dpbusd_bcast(dpbusd_bcast(_mm512_setzero_si512(), m0, ka.lo), m1, ka.lo + 4);
      const __m512i ih = dpbusd_bcast(dpbusd_bcast(_mm512_setzero_si512(), m0, ka.hi), m1, ka.hi + 4);
      const __m512i imin = _mm512_add_epi32(il, _mm512_slli_epi32(ih, 7));
      const __m512 part =
          _mm512_fnmadd_ps(_mm512_cvtepi32_ps(imin), dmin, _mm512_mul_ps(_mm512_cvtepi32_ps(isum[t]), d));
      acc[t] = _mm512_fmadd_ps(part, _mm512_set1_ps(ka.d), acc[t]);
    }
  }
  SOVRA_UNROLL
  for (int t = 0; t < T; ++t) _mm512_storeu_ps(y + t * y_stride, acc[t]);
}

constexpr MicroFn kMicro[] = {micro<1>, micro<2>, micro<3>, micro<4>, micro<5>, micro<6>, micro<7>, micro<8>};
static_assert(sizeof(kMicro) / sizeof(kMicro[0]) == kTokens);

}  // namespace

std::int64_t act_row_bytes_q4_k_x16(std::int64_t n) { return n / kQkK * static_cast<std::int64_t>(sizeof(KActX16)); }

void encode_act_q4_k_x16(const float* x, void* dst, std::int64_t n) {
  auto* out = static_cast<KActX16*>(dst);
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    BlockQ8_K q;
    avx2::quantize_row_q8_k(x + b * kQkK, &q, kQkK);
    KActX16& ka = out[b];
    std::memset(&ka, 0, sizeof ka);
    std::memcpy(ka.qs, q.qs, kQkK);
    ka.d = q.d;
    for (int j = 0; j < 8; ++j) {
      const int sum = q.bsums[2 * j] + q.bsums[2 * j + 1];  // |sum| <= 32 * 127: hi in [-32, 31]
      ka.lo[j] = static_cast<std::int8_t>(sum & 127);
      ka.hi[j] = static_cast<std::int8_t>((sum - (sum & 127)) / 128);
    }
  }
}

void gemm_q4_k_x16(std::int64_t n, const void* group, const void* a, std::int64_t a_stride, std::int64_t n_tokens,
                   float* y, std::int64_t y_stride) {
  run_token_blocks(kMicro, n / kQkK, group, a, a_stride, n_tokens, y, y_stride);
}

}  // namespace sovra::kernels::avx512
