// AVX-512 VNNI product of Q4_0 weights in the kQ4_0x16 layout (kernels/packed.hpp) with Q8_0 activations.
//
// One 64-byte slice of a block holds 4 levels of each of 16 rows (lane i = row i), so VPDPBUSD against 4
// activation levels broadcast to every lane adds 4 products to each row's sum: 8 instructions cover a block of
// 16 rows x 32 elements, with no shuffles and no horizontal sums. The accumulator starts from the activation
// block's -8 * (level sum), which removes Q4_0's level offset exactly; then one conversion and one FMA by
// d_w (16 rows' scales, one load) * d_a. Each unpacked block serves up to kTokens activation rows.
//
// Compiled with the AVX-512 flags of the other avx512_*.cpp units; nothing with external linkage besides
// the functions declared in avx512.hpp.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>

#include "kernels/cpu/avx512.hpp"
#include "kernels/cpu/avx512_packed.hpp"
#include "kernels/quant/blocks.hpp"

#define SOVRA_UNROLL _Pragma("GCC unroll 16")

namespace sovra::kernels::avx512 {
namespace {

constexpr int kTokens = 8;  // activation rows per pass over a group's blocks: 8 accumulators + 8 unpacked slices
constexpr std::int64_t kLevelBytes = 256;  // per block of a group
constexpr std::int64_t kScaleBytes = 32;
constexpr std::int64_t kPrefetchBlocks = 16;
constexpr std::int64_t kPrefetchL2Blocks = 64;  // and, with several tokens, into L2 further ahead (16 KiB)

struct ActBlock {  // 40 bytes
  std::int8_t qs[kQk];
  float d;
  std::int32_t bias;  // -8 * sum of qs
};
static_assert(sizeof(ActBlock) == 40);

template <int T>
void micro(std::int64_t nb, const std::uint8_t* g, const std::uint8_t* a, std::int64_t a_stride, float* y,
           std::int64_t y_stride) {
  const std::uint8_t* scales = g + nb * kLevelBytes;
  const ActBlock* act[T];
  SOVRA_UNROLL
  for (int t = 0; t < T; ++t) act[t] = reinterpret_cast<const ActBlock*>(a + t * a_stride);
  __m512 acc[T];
  SOVRA_UNROLL
  for (int t = 0; t < T; ++t) acc[t] = _mm512_setzero_ps();
  const __m512i mask = _mm512_set1_epi8(0x0F);
  for (std::int64_t b = 0; b < nb; ++b) {
    const std::uint8_t* p = g + b * kLevelBytes;
    // Software prefetch a few blocks ahead, for every token count: with 8 tokens a block takes ~100 cycles of
    // arithmetic, and the hardware prefetcher alone left the 8-token pass at half the in-cache speed.
    prefetch_lines(p + kPrefetchBlocks * kLevelBytes, kLevelBytes);
    if constexpr (T > 1) prefetch_lines_l2(p + kPrefetchL2Blocks * kLevelBytes, kLevelBytes);
    if (b % 2 == 0)
      _mm_prefetch(reinterpret_cast<const char*>(scales + (b + kPrefetchBlocks) * kScaleBytes), _MM_HINT_T0);
    __m512i lo[4];
    __m512i hi[4];
    SOVRA_UNROLL
    for (int m = 0; m < 4; ++m) {
      const __m512i w = _mm512_loadu_si512(p + 64 * m);
      lo[m] = _mm512_and_si512(w, mask);
      hi[m] = _mm512_and_si512(_mm512_srli_epi16(w, 4), mask);
    }
    const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(scales + b * kScaleBytes)));
    __m512i s[T];
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) s[t] = _mm512_set1_epi32(act[t][b].bias);
    SOVRA_UNROLL
    for (int m = 0; m < 4; ++m) {
      SOVRA_UNROLL
      for (int t = 0; t < T; ++t) s[t] = dpbusd_bcast(s[t], lo[m], act[t][b].qs + 4 * m);
      SOVRA_UNROLL
      for (int t = 0; t < T; ++t) s[t] = dpbusd_bcast(s[t], hi[m], act[t][b].qs + 16 + 4 * m);
    }
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t)
      acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s[t]), _mm512_mul_ps(dw, _mm512_set1_ps(act[t][b].d)), acc[t]);
  }
  SOVRA_UNROLL
  for (int t = 0; t < T; ++t) _mm512_storeu_ps(y + t * y_stride, acc[t]);
}

constexpr MicroFn kMicro[] = {micro<1>, micro<2>, micro<3>, micro<4>, micro<5>, micro<6>, micro<7>, micro<8>};
static_assert(sizeof(kMicro) / sizeof(kMicro[0]) == kTokens);

// Two consecutive groups (32 rows) for T activation rows: each activation broadcast feeds both groups' VPDPBUSD,
// which halves the broadcast loads per product (the load ports, not the multipliers, had bounded micro<8>: ~52
// cycles per block and token octet where its 64 VPDPBUSD need 32), and each activation row is read once per pair.
// Per row and token the same integer sums and the same float operations in the same order as micro<T>, so the
// results are bit-identical to two micro<T> calls. Up to 8 tokens per pass, so an 8-sequence decode step reads each
// pair once: at 8, 2 x 8 accumulators and 2 x 8 float sums outgrow the 32 vector registers and a few sums live on
// the stack, and it is still faster than two passes of 4 (in cache, one thread: ~0.30-0.34 ms against 0.32-0.51
// per 8-token call on 5632 x 2048; 6 + 2 was slower still).
constexpr int kPairTokens = 8;

template <int T>
void micro2(std::int64_t nb, const std::uint8_t* ga, const std::uint8_t* a, std::int64_t a_stride, float* y,
            std::int64_t y_stride) {
  const std::uint8_t* gb = ga + nb * (kLevelBytes + kScaleBytes);
  const std::uint8_t* scales_a = ga + nb * kLevelBytes;
  const std::uint8_t* scales_b = gb + nb * kLevelBytes;
  const ActBlock* act[T];
  SOVRA_UNROLL
  for (int t = 0; t < T; ++t) act[t] = reinterpret_cast<const ActBlock*>(a + t * a_stride);
  __m512 acc_a[T];
  __m512 acc_b[T];
  SOVRA_UNROLL
  for (int t = 0; t < T; ++t) {
    acc_a[t] = _mm512_setzero_ps();
    acc_b[t] = _mm512_setzero_ps();
  }
  const __m512i mask = _mm512_set1_epi8(0x0F);
  for (std::int64_t b = 0; b < nb; ++b) {
    const std::uint8_t* pa = ga + b * kLevelBytes;
    const std::uint8_t* pb = gb + b * kLevelBytes;
    prefetch_lines(pa + kPrefetchBlocks * kLevelBytes, kLevelBytes);
    prefetch_lines(pb + kPrefetchBlocks * kLevelBytes, kLevelBytes);
    if constexpr (T > 1) {
      prefetch_lines_l2(pa + kPrefetchL2Blocks * kLevelBytes, kLevelBytes);
      prefetch_lines_l2(pb + kPrefetchL2Blocks * kLevelBytes, kLevelBytes);
    }
    if (b % 2 == 0) {
      _mm_prefetch(reinterpret_cast<const char*>(scales_a + (b + kPrefetchBlocks) * kScaleBytes), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(scales_b + (b + kPrefetchBlocks) * kScaleBytes), _MM_HINT_T0);
    }
    __m512i sa[T];
    __m512i sb[T];
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) {
      sa[t] = _mm512_set1_epi32(act[t][b].bias);
      sb[t] = sa[t];
    }
    SOVRA_UNROLL
    for (int m = 0; m < 4; ++m) {
      const __m512i wa = _mm512_loadu_si512(pa + 64 * m);
      const __m512i wb = _mm512_loadu_si512(pb + 64 * m);
      const __m512i lo_a = _mm512_and_si512(wa, mask);
      const __m512i lo_b = _mm512_and_si512(wb, mask);
      SOVRA_UNROLL
      for (int t = 0; t < T; ++t) {
        const __m512i x = broadcast4(act[t][b].qs + 4 * m);
        sa[t] = dpbusd(sa[t], lo_a, x);
        sb[t] = dpbusd(sb[t], lo_b, x);
      }
      const __m512i hi_a = _mm512_and_si512(_mm512_srli_epi16(wa, 4), mask);
      const __m512i hi_b = _mm512_and_si512(_mm512_srli_epi16(wb, 4), mask);
      SOVRA_UNROLL
      for (int t = 0; t < T; ++t) {
        const __m512i x = broadcast4(act[t][b].qs + 16 + 4 * m);
        sa[t] = dpbusd(sa[t], hi_a, x);
        sb[t] = dpbusd(sb[t], hi_b, x);
      }
    }
    const __m512 dw_a =
        _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(scales_a + b * kScaleBytes)));
    const __m512 dw_b =
        _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(scales_b + b * kScaleBytes)));
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) {
      const __m512 da = _mm512_set1_ps(act[t][b].d);
      acc_a[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sa[t]), _mm512_mul_ps(dw_a, da), acc_a[t]);
      acc_b[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sb[t]), _mm512_mul_ps(dw_b, da), acc_b[t]);
    }
  }
  SOVRA_UNROLL
  for (int t = 0; t < T; ++t) {
    _mm512_storeu_ps(y + t * y_stride, acc_a[t]);
    _mm512_storeu_ps(y + t * y_stride + 16, acc_b[t]);
  }
}

constexpr MicroFn kMicro2[] = {micro2<1>, micro2<2>, micro2<3>, micro2<4>, micro2<5>, micro2<6>, micro2<7>, micro2<8>};
static_assert(sizeof(kMicro2) / sizeof(kMicro2[0]) == kPairTokens);

}  // namespace

std::int64_t act_row_bytes_q4_0_x16(std::int64_t n) { return n / kQk * static_cast<std::int64_t>(sizeof(ActBlock)); }

// Q8_0 quantization of each 32-element block as avx2::quantize_row_q8_0 does it (absmax, the 127 / amax multiplier,
// VCVTPS2DQ's round-to-nearest-even, d rounded to binary16: bit-identical for finite input), fused with the
// level sum: two vectors per block, no intermediate Q8_0 buffer.
void encode_act_q4_0_x16(const float* x, void* dst, std::int64_t n) {
  auto* out = static_cast<ActBlock*>(dst);
  const std::int64_t nb = n / kQk;
  for (std::int64_t b = 0; b < nb; ++b) {
    const __m512 v0 = _mm512_loadu_ps(x + b * kQk);
    const __m512 v1 = _mm512_loadu_ps(x + b * kQk + 16);
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
    const __m512 mul = _mm512_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f);
    const __m512i i0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, mul));
    const __m512i i1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, mul));
    ActBlock& ab = out[b];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(ab.qs), _mm512_cvtsepi32_epi8(i0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(ab.qs + 16), _mm512_cvtsepi32_epi8(i1));
    ab.bias = -8 * _mm512_reduce_add_epi32(_mm512_add_epi32(i0, i1));
    ab.d = _cvtsh_ss(static_cast<unsigned short>(
        _mm_cvtsi128_si32(_mm_cvtps_ph(_mm_set_ss(amax / 127.0f), _MM_FROUND_TO_NEAREST_INT))));
  }
}

void gemm_q4_0_x16(std::int64_t n, const void* group, const void* a, std::int64_t a_stride, std::int64_t n_tokens,
                   float* y, std::int64_t y_stride) {
  run_token_blocks(kMicro, n / kQk, group, a, a_stride, n_tokens, y, y_stride);
}

void gemm2_q4_0_x16(std::int64_t n, const void* groups, const void* a, std::int64_t a_stride, std::int64_t n_tokens,
                    float* y, std::int64_t y_stride) {
  run_even_token_blocks(kMicro2, n / kQk, groups, a, a_stride, n_tokens, y, y_stride);
}

}  // namespace sovra::kernels::avx512
