// AVX-512 VNNI products of Q4_0 and Q8_0 weight rows with Q8_0 activations (see avx512.hpp).
//
// A quad is four 32-element blocks. Weight levels are made unsigned (Q4_0: the nibble, value nibble - 8; Q8_0:
// q + 128 by flipping the sign bit) and split into two 64-byte vectors: elements 0-15 of the four blocks, then
// elements 16-31. VPDPBUSD multiplies them with the activation levels of the same positions, so int32 lanes
// 4j..4j+3 hold block j's partial sums; the accumulator starts from -offset * (block's activation level sum) in
// lane 4j, which removes the offset exactly. One conversion to float and one FMA by d_w * d_a per lane then cover
// 128 elements. A micro-kernel keeps kRows x kTokens such accumulators in registers, so each unpacked weight quad
// serves kTokens activation rows and each activation quad kRows weight rows.
//
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx512vbmi -mavx512vnni (and AVX2/FMA/F16C); as for the AVX2
// units, nothing with external linkage and inline/template definitions is included besides the intrinsics.
// GCC 12's AVX-512 intrinsics read deliberately undefined vectors (`__m512 __Y = __Y;`) and then warn about it.
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

constexpr int kQuadBlocks = 4;
constexpr std::int64_t kQuadElements = kQuadBlocks * kQk;
// Register blocks: 4 x 3 accumulators plus 4 unpacked weight quads fit the 32 ZMM registers best; 3 x 4, 2 x 6
// and 4 x 2 measured 10-25% slower (CPU time of matmat128 5632x2048, Q4_0 and Q8_0).
constexpr int kRows = 4;    // weight rows per micro-kernel call
constexpr int kTokens = 3;  // activation rows per micro-kernel call

struct ActQuad {  // 192 bytes: rows of whole quads stay 64-byte multiples
  std::int8_t lo[64];               // elements 0-15 of blocks 0-3
  std::int8_t hi[64];               // elements 16-31
  std::int32_t bias[kQuadBlocks];   // -offset * sum of the block's 32 levels
  float d[kQuadBlocks];             // block scales (fp16 values)
  std::uint8_t pad[32];
};
static_assert(sizeof(ActQuad) == 192);

std::int64_t quads(std::int64_t n) { return (n / kQk + kQuadBlocks - 1) / kQuadBlocks; }

template <int kOffset>
void encode(const float* x, void* dst, std::int64_t n) {
  auto* out = static_cast<ActQuad*>(dst);
  const std::int64_t nb = n / kQk;
  for (std::int64_t q = 0; q < quads(n); ++q) {
    BlockQ8_0 blocks[kQuadBlocks];
    std::memset(blocks, 0, sizeof blocks);
    const std::int64_t left = nb - q * kQuadBlocks;
    const std::int64_t m = left < kQuadBlocks ? left : kQuadBlocks;
    avx2::quantize_row_q8_0(x + q * kQuadElements, blocks, m * kQk);
    ActQuad& aq = out[q];
    std::memset(&aq, 0, sizeof aq);
    for (int j = 0; j < kQuadBlocks; ++j) {
      std::memcpy(aq.lo + 16 * j, blocks[j].qs, 16);
      std::memcpy(aq.hi + 16 * j, blocks[j].qs + 16, 16);
      int sum = 0;
      for (int k = 0; k < kQk; ++k) sum += blocks[j].qs[k];
      aq.bias[j] = -kOffset * sum;
      aq.d[j] = _cvtsh_ss(blocks[j].d);
    }
  }
}

inline float hsum(__m512 v) {
  v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
  __m128 s = _mm512_castps512_ps128(v);
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Lane i of a 16-lane vector <- element i / 4 of a 4-element one.
inline __m512i spread4() { return _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3); }

struct WeightQuad {
  __m512i lo;
  __m512i hi;
  __m512 d;
};

struct Q4_0Weights {
  static constexpr std::int64_t kBlockBytes = 18;
  static constexpr int kOffset = 8;
  static WeightQuad load(const std::uint8_t* p) {
    const __m512i a = _mm512_loadu_si512(p);
    const __m512i b = _mm512_maskz_loadu_epi8(0xFF, p + 64);  // bytes 64..71: the rest of block 3
    // Byte 16j + l <- qs[l] of block j, at 18j + 2 + l.
    const __m512i idx = _mm512_set_epi8(71, 70, 69, 68, 67, 66, 65, 64, 63, 62, 61, 60, 59, 58, 57, 56,  //
                                        53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38,  //
                                        35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20,  //
                                        17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2);
    const __m512i qs = _mm512_permutex2var_epi8(a, idx, b);
    const __m512i mask = _mm512_set1_epi8(0x0F);
    // Scales: word 9j (byte 18j) of a, four times each.
    const __m512i didx = _mm512_setr_epi32(0, 0, 0x00090009, 0x00090009, 0x00120012, 0x00120012, 0x001B001B,
                                           0x001B001B, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i dh = _mm512_castsi512_si256(_mm512_permutexvar_epi16(didx, a));
    return {_mm512_and_si512(qs, mask), _mm512_and_si512(_mm512_srli_epi16(qs, 4), mask), _mm512_cvtph_ps(dh)};
  }
};

struct Q8_0Weights {
  static constexpr std::int64_t kBlockBytes = 34;
  static constexpr int kOffset = 128;
  static WeightQuad load(const std::uint8_t* p) {
    const __m512i u0 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 2))),
                                          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 36)), 1);
    const __m512i u1 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 70))),
                                          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 104)), 1);
    const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
    const __m512i lo = _mm512_xor_si512(_mm512_shuffle_i64x2(u0, u1, _MM_SHUFFLE(2, 0, 2, 0)), flip);
    const __m512i hi = _mm512_xor_si512(_mm512_shuffle_i64x2(u0, u1, _MM_SHUFFLE(3, 1, 3, 1)), flip);
    // Scales: words 0, 17, 34, 51 (bytes 34j) of bytes 0..127, four times each.
    const __m512i a = _mm512_loadu_si512(p);
    const __m512i b = _mm512_loadu_si512(p + 64);
    const __m512i didx = _mm512_setr_epi32(0, 0, 0x00110011, 0x00110011, 0x00220022, 0x00220022, 0x00330033,
                                           0x00330033, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i dh = _mm512_castsi512_si256(_mm512_permutex2var_epi16(a, didx, b));
    return {lo, hi, _mm512_cvtph_ps(dh)};
  }
};

// Weight quad q of a row is unpacked once per call for all T activation rows. The last, partial quad is copied
// into a zero-padded buffer so no byte past the row is read (zero scales make its missing blocks contribute
// nothing; the activation quad is zero-padded too).
template <typename W, int R, int T>
void micro(std::int64_t n, const std::uint8_t* w, std::int64_t w_stride, const std::uint8_t* a, std::int64_t a_stride,
           float* y, std::int64_t y_stride) {
  constexpr std::int64_t kQuadBytes = kQuadBlocks * W::kBlockBytes;
  const std::int64_t nb = n / kQk;
  const std::int64_t full = nb / kQuadBlocks;
  const std::int64_t nq = quads(n);
  const ActQuad* act[T];
  SOVRA_UNROLL
  for (int t = 0; t < T; ++t) act[t] = reinterpret_cast<const ActQuad*>(a + t * a_stride);
  __m512 acc[R][T];
  SOVRA_UNROLL
  for (int r = 0; r < R; ++r) {
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
  }
  const __m512i spread = spread4();
  alignas(64) std::uint8_t tail[R][kQuadBytes + 64];
  for (std::int64_t q = 0; q < nq; ++q) {
    WeightQuad wq[R];
    if (q < full) {
      SOVRA_UNROLL
      for (int r = 0; r < R; ++r) wq[r] = W::load(w + r * w_stride + q * kQuadBytes);
    } else {
      const std::int64_t bytes = (nb - q * kQuadBlocks) * W::kBlockBytes;
      for (int r = 0; r < R; ++r) {
        std::memset(tail[r], 0, sizeof tail[r]);
        std::memcpy(tail[r], w + r * w_stride + q * kQuadBytes, static_cast<std::size_t>(bytes));
        wq[r] = W::load(tail[r]);
      }
    }
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) {
      const ActQuad& aq = act[t][q];
      const __m512i alo = _mm512_loadu_si512(aq.lo);
      const __m512i ahi = _mm512_loadu_si512(aq.hi);
      const __m512i bias = _mm512_maskz_permutexvar_epi32(
          0x1111, spread, _mm512_castsi128_si512(_mm_loadu_si128(reinterpret_cast<const __m128i*>(aq.bias))));
      const __m512 dy = _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(_mm_loadu_ps(aq.d)));
      SOVRA_UNROLL
      for (int r = 0; r < R; ++r) {
        __m512i i = _mm512_dpbusd_epi32(bias, wq[r].lo, alo);
        i = _mm512_dpbusd_epi32(i, wq[r].hi, ahi);
        acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i), _mm512_mul_ps(wq[r].d, dy), acc[r][t]);
      }
    }
  }
  SOVRA_UNROLL
  for (int r = 0; r < R; ++r) {
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) y[t * y_stride + r] = hsum(acc[r][t]);
  }
}

using MicroFn = void (*)(std::int64_t, const std::uint8_t*, std::int64_t, const std::uint8_t*, std::int64_t, float*,
                         std::int64_t);

template <typename W, int R, int T>
constexpr MicroFn pick_tokens(int t) {
  if constexpr (T == 1) {
    return micro<W, R, 1>;
  } else {
    return t == T ? micro<W, R, T> : pick_tokens<W, R, T - 1>(t);
  }
}

template <typename W, int R = kRows>
constexpr MicroFn pick(int r, int t) {
  if constexpr (R == 1) {
    return pick_tokens<W, 1, kTokens>(t);
  } else {
    return r == R ? pick_tokens<W, R, kTokens>(t) : pick<W, R - 1>(r, t);
  }
}

// Token blocks outside, row blocks inside: the caller's rows (a cache-sized tile) are re-read from cache for
// each block of kTokens activation rows.
template <typename W>
void gemm(std::int64_t n, const void* w, std::int64_t w_stride, std::int64_t rows, const void* a,
          std::int64_t a_stride, std::int64_t n_tokens, float* y, std::int64_t y_stride) {
  const auto* wb = static_cast<const std::uint8_t*>(w);
  const auto* ab = static_cast<const std::uint8_t*>(a);
  if (n_tokens == 1) {
    // Generation streams the weights from memory: one row after the other is one sequential stream for the
    // hardware prefetcher, where 4 rows at once would be 4 interleaved ones.
    for (std::int64_t r = 0; r < rows; ++r) micro<W, 1, 1>(n, wb + r * w_stride, w_stride, ab, a_stride, y + r, y_stride);
    return;
  }
  for (std::int64_t t0 = 0; t0 < n_tokens; t0 += kTokens) {
    const int nt = static_cast<int>(n_tokens - t0 < kTokens ? n_tokens - t0 : kTokens);
    for (std::int64_t r0 = 0; r0 < rows; r0 += kRows) {
      const int nr = static_cast<int>(rows - r0 < kRows ? rows - r0 : kRows);
      pick<W>(nr, nt)(n, wb + r0 * w_stride, w_stride, ab + t0 * a_stride, a_stride, y + t0 * y_stride + r0, y_stride);
    }
  }
}

}  // namespace

std::int64_t act_row_bytes(std::int64_t n) { return quads(n) * static_cast<std::int64_t>(sizeof(ActQuad)); }

void encode_act_q4_0(const float* x, void* dst, std::int64_t n) { encode<Q4_0Weights::kOffset>(x, dst, n); }
void encode_act_q8_0(const float* x, void* dst, std::int64_t n) { encode<Q8_0Weights::kOffset>(x, dst, n); }

void gemm_q4_0(std::int64_t n, const void* w, std::int64_t w_stride, std::int64_t rows, const void* a,
               std::int64_t a_stride, std::int64_t n_tokens, float* y, std::int64_t y_stride) {
  gemm<Q4_0Weights>(n, w, w_stride, rows, a, a_stride, n_tokens, y, y_stride);
}
void gemm_q8_0(std::int64_t n, const void* w, std::int64_t w_stride, std::int64_t rows, const void* a,
               std::int64_t a_stride, std::int64_t n_tokens, float* y, std::int64_t y_stride) {
  gemm<Q8_0Weights>(n, w, w_stride, rows, a, a_stride, n_tokens, y, y_stride);
}

}  // namespace sovra::kernels::avx512
