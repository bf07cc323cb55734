// AVX2 dot products for the 32-element block types: Q4_0, Q5_0, Q8_0 (against Q8_0 activations) and Q4_1, Q5_1
// (against Q8_1 activations, whose block sum carries the min term).
#include "kernels/cpu/avx2.hpp"
#include "kernels/cpu/avx2_common.hpp"

namespace sovra::kernels::avx2 {
namespace {

// How a block's integer dot product with a Q8 activation block is formed.
enum class Levels {
  kSigned,  // Q8_0: signed levels; |x| times y with x's sign (maddubs takes one unsigned operand)
  kOffset,  // Q4_0, Q5_0: unsigned levels l, value l - offset: maddubs(l, y) - maddubs(offset, y)
  kMin,     // Q4_1, Q5_1: unsigned levels, plus m times the activation block sum s
};

// Nibbles, plus the fifth bit of the Q5 types, as unsigned bytes.
template <typename Block>
inline __m256i unsigned_levels(const Block& b) {
  const __m256i nibbles = unpack_nibbles(b.qs);
  if constexpr (requires { b.qh; }) {
    return _mm256_or_si256(nibbles, _mm256_and_si256(spread_bits(load_u32(b.qh)), _mm256_set1_epi8(0x10)));
  } else {
    return nibbles;
  }
}

// Blocks are processed in pairs with two accumulators per row so that consecutive FMAs do not wait on each other.
// For tiles (T > 1) the scales of all rows come from one fp16 conversion per block.
template <typename Block, typename Act, Levels kLevels, int kOffset = 0>
struct LegacyKernel {
  template <int T>
  static void run(std::int64_t n, const void* w, const void* const* a, float* out) {
    const auto* x = static_cast<const Block*>(w);
    const Act* y[T];
    __m256 acc0[T];
    __m256 acc1[T];
    [[maybe_unused]] float min_sum[T];
    SOVRA_UNROLL
    for (int t = 0; t < T; ++t) {
      y[t] = static_cast<const Act*>(a[t]);
      acc0[t] = _mm256_setzero_ps();
      acc1[t] = _mm256_setzero_ps();
      min_sum[t] = 0.0f;
    }
    [[maybe_unused]] const __m256i offset = _mm256_set1_epi8(static_cast<char>(kOffset));
    auto step = [&](std::int64_t b, __m256* acc) {
      __m256i qx;
      [[maybe_unused]] __m256i ax;
      if constexpr (kLevels == Levels::kSigned) {
        qx = loadu(x[b].qs);
        ax = _mm256_sign_epi8(qx, qx);
      } else {
        qx = unsigned_levels(x[b]);
      }
      [[maybe_unused]] __m128 scales = _mm_setzero_ps();
      if constexpr (T > 1) scales = tile_scales<T>(x[b].d, y, b);
      SOVRA_UNROLL
      for (int t = 0; t < T; ++t) {
        const __m256i yv = loadu(y[t][b].qs);
        __m256i p32;
        if constexpr (kLevels == Levels::kSigned) {
          p32 = dot_i8_i8(ax, qx, yv);
        } else if constexpr (kLevels == Levels::kOffset) {
          // Pair sums stay within int16: |31 * 127 * 2| + |16 * 127 * 2| < 32768.
          const __m256i p16 = _mm256_sub_epi16(_mm256_maddubs_epi16(qx, yv), _mm256_maddubs_epi16(offset, yv));
          p32 = _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
        } else {
          p32 = dot_u8_i8(qx, yv);
        }
        __m256 scale;
        if constexpr (T == 1) {
          scale = half_product(x[b].d, y[t][b].d);
        } else {
          scale = broadcast_lane(scales, t);
        }
        acc[t] = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(p32), acc[t]);
        if constexpr (kLevels == Levels::kMin) min_sum[t] += half_to_float(x[b].m) * half_to_float(y[t][b].s);
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
    for (int t = 0; t < T; ++t) {
      out[t] = hsum(_mm256_add_ps(acc0[t], acc1[t]));
      if constexpr (kLevels == Levels::kMin) out[t] += min_sum[t];
    }
  }
};

using Q4_0Kernel = LegacyKernel<BlockQ4_0, BlockQ8_0, Levels::kOffset, 8>;
using Q5_0Kernel = LegacyKernel<BlockQ5_0, BlockQ8_0, Levels::kOffset, 16>;
using Q8_0Kernel = LegacyKernel<BlockQ8_0, BlockQ8_0, Levels::kSigned>;
using Q4_1Kernel = LegacyKernel<BlockQ4_1, BlockQ8_1, Levels::kMin>;
using Q5_1Kernel = LegacyKernel<BlockQ5_1, BlockQ8_1, Levels::kMin>;

}  // namespace

float vec_dot_q4_0(std::int64_t n, const void* w, const void* a) { return run_single<Q4_0Kernel>(n, w, a); }
float vec_dot_q5_0(std::int64_t n, const void* w, const void* a) { return run_single<Q5_0Kernel>(n, w, a); }
float vec_dot_q8_0(std::int64_t n, const void* w, const void* a) { return run_single<Q8_0Kernel>(n, w, a); }
float vec_dot_q4_1(std::int64_t n, const void* w, const void* a) { return run_single<Q4_1Kernel>(n, w, a); }
float vec_dot_q5_1(std::int64_t n, const void* w, const void* a) { return run_single<Q5_1Kernel>(n, w, a); }

void vec_dot_tile_q4_0(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                       std::int64_t out_stride) {
  run_tile<Q4_0Kernel>(n, w, a, a_stride, n_act, out, out_stride);
}
void vec_dot_tile_q5_0(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                       std::int64_t out_stride) {
  run_tile<Q5_0Kernel>(n, w, a, a_stride, n_act, out, out_stride);
}
void vec_dot_tile_q8_0(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                       std::int64_t out_stride) {
  run_tile<Q8_0Kernel>(n, w, a, a_stride, n_act, out, out_stride);
}
void vec_dot_tile_q4_1(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                       std::int64_t out_stride) {
  run_tile<Q4_1Kernel>(n, w, a, a_stride, n_act, out, out_stride);
}
void vec_dot_tile_q5_1(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                       std::int64_t out_stride) {
  run_tile<Q5_1Kernel>(n, w, a, a_stride, n_act, out, out_stride);
}

}  // namespace sovra::kernels::avx2
