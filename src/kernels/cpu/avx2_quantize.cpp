// AVX2 activation quantizers: Q8_0, Q8_1 (32-element blocks) and Q8_K (256). Bit-identical to ref_q8.cpp: the
// same absmax, the same 127 / amax multiplier, VCVTPS2DQ's round-to-nearest-even and F16C's rounding of d.
#include "kernels/cpu/avx2.hpp"
#include "kernels/cpu/avx2_common.hpp"

namespace sovra::kernels::avx2 {
namespace {

inline __m256 abs_ps(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

inline float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

inline int hsum_epi32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
  return _mm_cvtsi128_si32(s);
}

inline float abs_max(const float* x, int n) {
  __m256 m = _mm256_setzero_ps();
  for (int j = 0; j < n; j += 8) m = _mm256_max_ps(m, abs_ps(_mm256_loadu_ps(x + j)));
  return hmax(m);
}

// Quantizes 32 floats by `mul` into 32 bytes at q; the four int32 vectors are returned for block sums.
struct Quantized32 {
  __m256i i[4];
};

inline Quantized32 quantize32(const float* x, float mul, std::int8_t* q) {
  const __m256 m = _mm256_set1_ps(mul);
  Quantized32 r{};
  for (std::ptrdiff_t k = 0; k < 4; ++k) r.i[k] = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), m));
  // packs interleave the 128-bit lanes; the permutation restores element order.
  const __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(r.i[0], r.i[1]), _mm256_packs_epi32(r.i[2], r.i[3]));
  const __m256i ordered = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(q), ordered);
  return r;
}

inline float multiplier(float amax) { return amax != 0.0f ? 127.0f / amax : 0.0f; }

// binary32 -> binary16, round to nearest even (clang's scalar F16C macro trips -Wpedantic).
inline Half to_half(float f) {
  return static_cast<Half>(_mm_cvtsi128_si32(_mm_cvtps_ph(_mm_set_ss(f), _MM_FROUND_TO_NEAREST_INT)));
}

}  // namespace

void quantize_row_f16(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<Half*>(dst);
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
  }
  for (; i < n; ++i) y[i] = to_half(src[i]);
}

void quantize_row_q8_0(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ8_0*>(dst);
  for (std::int64_t b = 0; b < n / kQk; ++b) {
    const float* x = src + b * kQk;
    const float amax = abs_max(x, kQk);
    quantize32(x, multiplier(amax), y[b].qs);
    y[b].d = to_half(amax / 127.0f);
  }
}

void quantize_row_q8_1(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ8_1*>(dst);
  for (std::int64_t b = 0; b < n / kQk; ++b) {
    const float* x = src + b * kQk;
    const float amax = abs_max(x, kQk);
    const Quantized32 r = quantize32(x, multiplier(amax), y[b].qs);
    const int sum = hsum_epi32(_mm256_add_epi32(_mm256_add_epi32(r.i[0], r.i[1]), _mm256_add_epi32(r.i[2], r.i[3])));
    const float d = amax / 127.0f;
    y[b].d = to_half(d);
    y[b].s = to_half(d * static_cast<float>(sum));
  }
}

void quantize_row_q8_k(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ8_K*>(dst);
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    const float* x = src + b * kQkK;
    const float amax = abs_max(x, kQkK);
    const float mul = multiplier(amax);
    for (std::ptrdiff_t g = 0; g < kQkK / 32; ++g) {
      const Quantized32 r = quantize32(x + 32 * g, mul, y[b].qs + 32 * g);
      y[b].bsums[2 * g] = static_cast<std::int16_t>(hsum_epi32(_mm256_add_epi32(r.i[0], r.i[1])));
      y[b].bsums[2 * g + 1] = static_cast<std::int16_t>(hsum_epi32(_mm256_add_epi32(r.i[2], r.i[3])));
    }
    y[b].d = amax / 127.0f;
  }
}

}  // namespace sovra::kernels::avx2
