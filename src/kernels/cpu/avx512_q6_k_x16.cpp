// AVX-512 VNNI product of Q6_K weights in the kQ6_Kx16 layout (kernels/packed.hpp) with Q8_K activations.
//
// Lane i of every vector is row i of the 16-row group. One low slice and one high slice give four groups of 4
// levels (0..63) of 16 rows after two masks and a shift each; VPDPBUSD against the 4 activation levels of the
// group, broadcast to all lanes, adds them to the sub-block's sum, which starts from -32 * (the sub-block's
// activation level sum) and so removes Q6_K's level offset exactly. Each sub-block sum is multiplied lane-wise
// by the rows' int8 scales (sign-extended load) and added in int32, as the reference's integer sum; float
// arithmetic starts per super-block: d * d_a * isum.
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

constexpr int kTokens = 8;  // activation rows per pass: 3 x 8 accumulators, one unpacked level vector
constexpr std::int64_t kSuperBytes = 3360;
constexpr std::int64_t kHighOff = 2048;
constexpr std::int64_t kScaleOff = kHighOff + 1024;
constexpr std::int64_t kDOff = kScaleOff + 256;

struct KAct6 {           // 324 bytes per super-block of 256 activations
  std::int8_t qs[kQkK];  // as quantize_row_q8_k
  float d;
  std::int32_t bias[16];  // -32 * level sum of each 16-element sub-block
};
static_assert(sizeof(KAct6) == 324);

template <int T>
void micro(std::int64_t nb, const std::uint8_t* g, const std::uint8_t* a, std::int64_t a_stride, float* y,
           std::int64_t y_stride) {
  const KAct6* act[T];
  __m512 acc[T];
  SOVRA_UNROLL
  for (int t = 0; t < T; ++t) {
    act[t] = reinterpret_cast<const KAct6*>(a + t * a_stride);
    acc[t] = _mm512_setzero_ps();
  }
  const __m512i lo4 = _mm512_set1_epi8(0x0F);
  const __m512i hi2 = _mm512_set1_epi8(0x30);
  for (std::int64_t b = 0; b < nb; ++b) {
    const std::uint8_t* s = g + b * kSuperBytes;
    // Two super-blocks ahead, for every token count.
    prefetch_lines(s + 2 * kSuperBytes, kSuperBytes);
    __m512i isum[T];
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) isum[t] = _mm512_setzero_si512();
      // Sub-block sub = j + 4u holds groups 4 * sub .. 4 * sub + 3: slice m = 4j + k for k = 0..3, unpacked the
      // u-th way. One sub-block at a time against every token: a register per token's sum (not 16 unpacked level
      // vectors), so up to 8 tokens share each unpacking and each sub-block's scales. In cache, one thread,
      // 5632 x 2048: 128 tokens 9.4-9.5 -> 8.5-8.6 ms, 8 tokens 0.60-0.62 -> 0.54-0.55 ms; 4 tokens 0.29 -> 0.28-0.33.
      // j stays a loop: unrolled, GCC interleaves all 16 sub-blocks' sums and spills most of them.
#pragma GCC unroll 1
    for (int j = 0; j < 4; ++j) {
      SOVRA_UNROLL
      for (int u = 0; u < 4; ++u) {
        const int sub = j + 4 * u;
        __m512i d[T];
        SOVRA_UNROLL
        for (int t = 0; t < T; ++t) d[t] = _mm512_set1_epi32(act[t][b].bias[sub]);
        SOVRA_UNROLL
        for (int k = 0; k < 4; ++k) {
          const int m = 4 * j + k;
          const __m512i h = _mm512_loadu_si512(s + kHighOff + 64 * m);
          const __m512i l =
              _mm512_loadu_si512(s + 64 * (u % 2 == 0 ? m : m + 16));  // groups m, m + 32 | m + 16, m + 48
          __m512i q;
          if (u == 0) {
            q = _mm512_or_si512(_mm512_and_si512(l, lo4), _mm512_and_si512(_mm512_slli_epi16(h, 4), hi2));
          } else if (u == 1) {
            q = _mm512_or_si512(_mm512_and_si512(l, lo4), _mm512_and_si512(_mm512_slli_epi16(h, 2), hi2));
          } else if (u == 2) {
            q = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), lo4), _mm512_and_si512(h, hi2));
          } else {
            q = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), lo4),
                                _mm512_and_si512(_mm512_srli_epi16(h, 2), hi2));
          }
          SOVRA_UNROLL
          for (int t = 0; t < T; ++t) d[t] = dpbusd_bcast(d[t], q, act[t][b].qs + 16 * sub + 4 * k);
        }
        const __m512i sc =
            _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + kScaleOff + 16 * sub)));
        SOVRA_UNROLL
        for (int t = 0; t < T; ++t) isum[t] = _mm512_add_epi32(isum[t], _mm512_mullo_epi32(d[t], sc));
      }
    }
    const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + kDOff)));
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) {
      acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[t]), _mm512_mul_ps(dw, _mm512_set1_ps(act[t][b].d)), acc[t]);
    }
  }
  SOVRA_UNROLL
  for (int t = 0; t < T; ++t) _mm512_storeu_ps(y + t * y_stride, acc[t]);
}

constexpr MicroFn kMicro[] = {micro<1>, micro<2>, micro<3>, micro<4>, micro<5>, micro<6>, micro<7>, micro<8>};
static_assert(sizeof(kMicro) / sizeof(kMicro[0]) == kTokens);

}  // namespace

std::int64_t act_row_bytes_q6_k_x16(std::int64_t n) { return n / kQkK * static_cast<std::int64_t>(sizeof(KAct6)); }

void encode_act_q6_k_x16(const float* x, void* dst, std::int64_t n) {
  auto* out = static_cast<KAct6*>(dst);
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    BlockQ8_K q;
    avx2::quantize_row_q8_k(x + b * kQkK, &q, kQkK);
    KAct6& ka = out[b];
    std::memcpy(ka.qs, q.qs, kQkK);
    ka.d = q.d;
    for (int j = 0; j < 16; ++j) ka.bias[j] = -32 * q.bsums[j];
  }
}

void gemm_q6_k_x16(std::int64_t n, const void* group, const void* a, std::int64_t a_stride, std::int64_t n_tokens,
                   float* y, std::int64_t y_stride) {
  run_token_blocks(kMicro, n / kQkK, group, a, a_stride, n_tokens, y, y_stride);
}

}  // namespace sovra::kernels::avx512
