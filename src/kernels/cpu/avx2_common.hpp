#pragma once
// Helpers shared by the AVX2 translation units (kernels/cpu/avx2_*.cpp, compiled with -mavx2 -mfma -mf16c).
//
// Contract: include only from those translation units. Everything here has internal linkage (unnamed
// namespace), and those units include no header that defines inline functions or templates with external
// linkage: a COMDAT compiled with AVX2 could otherwise be picked by the linker for portable callers.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/cpu/exp_poly.hpp"
#include "kernels/quant/blocks.hpp"

// Loops over tile rows and over the fixed runs of a block must be unrolled so that per-row accumulators stay in
// registers; GCC -O2 does not fully unroll them on its own.
#define SOVRA_UNROLL _Pragma("GCC unroll 16")

namespace sovra::kernels::avx2 {

inline constexpr int kMaxTile = 4;  // activation rows per tile call; matches cpu::kMaxTile

namespace {

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// exp(x), Cephes' single-precision polynomial: relative error below 2e-7 for x in [-87.3, 88.3] (the normal
// range); x is clamped to that range, so it returns about 1.2e-38 instead of a denormal or zero below it and
// about 2e38 instead of infinity above it.
inline __m256 exp_ps(__m256 x) {
  namespace c = cpu::exp_poly;
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(c::kMin)), _mm256_set1_ps(c::kMax));
  const __m256 fx = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(c::kLog2e), _mm256_set1_ps(0.5f)));
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(c::kLn2Hi), x);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(c::kLn2Lo), x);
  __m256 y = _mm256_set1_ps(c::kPoly[0]);
  SOVRA_UNROLL
  for (int i = 1; i < 6; ++i) y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(c::kPoly[i]));
  y = _mm256_add_ps(_mm256_fmadd_ps(y, _mm256_mul_ps(x, x), x), _mm256_set1_ps(1.0f));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

inline float half_to_float(Half h) { return _cvtsh_ss(h); }

// The product of two fp16 values in all 8 lanes; one VCVTPH2PS converts both.
inline __m256 half_product(Half a, Half b) {
  const __m128 both = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(a | static_cast<std::uint32_t>(b) << 16)));
  return _mm256_broadcastss_ps(_mm_mul_ss(both, _mm_movehdup_ps(both)));
}

// a[j] * b[j] for j < 4 from two groups of four packed fp16 values (a | b << 16 | c << 32 | d << 48): one
// VCVTPH2PS converts all eight.
inline __m128 half_products4(std::uint64_t a, std::uint64_t b) {
  const __m256 f = _mm256_cvtph_ps(_mm_set_epi64x(static_cast<long long>(b), static_cast<long long>(a)));
  return _mm_mul_ps(_mm256_castps256_ps128(f), _mm256_extractf128_ps(f, 1));
}

// Lane j of v in all 8 lanes.
inline __m256 broadcast_lane(__m128 v, int j) {
  return _mm256_permutevar8x32_ps(_mm256_castps128_ps256(v), _mm256_set1_epi32(j));
}

// Scales d_w * d_a for one weight block and the same block of T <= 4 activation rows, lane t for row t.
template <int T, typename Act>
inline __m128 tile_scales(Half dw, const Act* const* y, std::int64_t b) {
  std::uint64_t da = 0;
  SOVRA_UNROLL
  for (int t = 0; t < T; ++t) da |= static_cast<std::uint64_t>(y[t][b].d) << (16 * t);
  return half_products4(dw * 0x0001000100010001ull, da);
}

inline __m256i loadu(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline __m128i loadu128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }

inline std::uint32_t load_u32(const void* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// 16 bytes of packed nibbles -> 32 bytes: low nibbles first, then high nibbles (the legacy block order). The
// bytes are loaded into both 128-bit lanes and only the upper lane is shifted, so no lane-crossing shuffle.
inline __m256i unpack_nibbles(const std::uint8_t* p) {
  const __m256i both = _mm256_broadcastsi128_si256(loadu128(p));
  return _mm256_and_si256(_mm256_srlv_epi64(both, _mm256_set_epi64x(4, 4, 0, 0)), _mm256_set1_epi8(0x0F));
}

// Bit i of `bits` -> byte i = 0xFF when set, 0 when clear.
inline __m256i spread_bits(std::uint32_t bits) {
  const __m256i pick = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0);
  const __m256i bit = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ull));
  const __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)), pick);
  return _mm256_cmpeq_epi8(_mm256_and_si256(bytes, bit), bit);
}

// Unsigned bytes u (< 128) times signed bytes s, summed in groups of 4 -> 8 int32.
inline __m256i dot_u8_i8(__m256i u, __m256i s) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

// Same with the products of each adjacent pair weighted by int16 scales (one per pair of bytes).
inline __m256i dot_u8_i8_scaled(__m256i u, __m256i s, __m256i scales16) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), scales16);
}

// Signed times signed: |x| * (y with x's sign), exact for x, y in [-128, 127] except y = -128.
inline __m256i dot_i8_i8(__m256i abs_x, __m256i x, __m256i y) { return dot_u8_i8(abs_x, _mm256_sign_epi8(y, x)); }

// K-quants: int16 scales for a 32-byte run that spans sub-blocks 2j and 2j + 1 of 16 elements each:
// [s[2j] x 8 | s[2j + 1] x 8] from 16 signed byte scales.
inline __m256i pair_scales(__m128i scales8, int j) {
  const long long lo = static_cast<long long>(0x0101010101010101ull * static_cast<unsigned>(2 * j));
  const long long hi = static_cast<long long>(0x0101010101010101ull * static_cast<unsigned>(2 * j + 1));
  return _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scales8, _mm_set_epi64x(hi, lo)));
}

// Runs Kernel::run<T>(n, w, rows, results) for the runtime tile height and scatters the results.
template <typename Kernel>
inline void run_tile(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                     std::int64_t out_stride) {
  const auto* base = static_cast<const std::uint8_t*>(a);
  const void* rows[kMaxTile] = {};
  float results[kMaxTile] = {};
  for (int t = 0; t < n_act; ++t) rows[t] = base + t * a_stride;
  switch (n_act) {
    case 1:
      Kernel::template run<1>(n, w, rows, results);
      break;
    case 2:
      Kernel::template run<2>(n, w, rows, results);
      break;
    case 3:
      Kernel::template run<3>(n, w, rows, results);
      break;
    default:
      Kernel::template run<4>(n, w, rows, results);
      break;
  }
  for (int t = 0; t < n_act; ++t) out[t * out_stride] = results[t];
}

template <typename Kernel>
inline float run_single(std::int64_t n, const void* w, const void* a) {
  const void* rows[1] = {a};
  float result = 0.0f;
  Kernel::template run<1>(n, w, rows, &result);
  return result;
}

}  // namespace
}  // namespace sovra::kernels::avx2
