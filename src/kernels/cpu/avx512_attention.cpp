// AVX-512 group attention (kernels::attend_group) for head sizes of 64 and 128 floats: the shapes of nearly every
// Llama-family model, over f32 or f16 K/V rows (f16 converted on load with VCVTPH2PS, exact). The AVX2 version keeps
// each head's output in 8-float registers, so its weighted sum of V rows passes over the rows eight times for 8 heads
// of 64; here four heads' whole outputs (64 floats each) stay in 16 of the 32 ZMM registers and two passes do. Scores
// read each K row once for all heads of the group and reduce the eight heads' 16-lane sums together; rows are
// prefetched a block ahead across the block table.
//
// Arithmetic per head: the score is the 16-lane partial dot products, then fixed pairwise folds (so a head's
// result never depends on which other heads run with it); the softmax takes two positions per vector with the
// AVX2 path's exp polynomial lane for lane and leaves the division by the sum to the end of the weighted sum
// (softmax_pairs); the weighted sum adds rows in order. Compiled with the AVX-512 flags of the other avx512_*.cpp
// units; nothing with external linkage besides the functions declared in avx512.hpp.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>
#include <cstring>

#include "kernels/cpu/avx2.hpp"
#include "kernels/cpu/avx512.hpp"
#include "kernels/cpu/exp_poly.hpp"
#include "kernels/cpu/paged_rows.hpp"
#include "kernels/ops.hpp"

#define SOVRA_UNROLL _Pragma("GCC unroll 16")

namespace sovra::kernels::avx512 {
namespace {

constexpr int kLanes = kAttendGroupHeads;  // heads per score row: scratch[j * 8 + h]
static_assert(kLanes == 8);

using cpu::for_paged_rows;

// 16 elements of a K or V row as floats: f32 rows as they are, f16 rows converted (exact).
inline __m512 load16(const float* p) { return _mm512_loadu_ps(p); }
inline __m512 load16(const std::uint16_t* p) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

// Lane h <- the sum of the 16 lanes of a[h], h < 8, by fixed pairwise folds: halves, then quarters, then pairs.
inline __m256 reduce8(const __m512* a) {
  __m512 t[4];
  SOVRA_UNROLL
  for (int i = 0; i < 4; ++i) {  // [a(2i) lo + hi | a(2i+1) lo + hi], 8 partials each
    t[i] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0x44),
                         _mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0xEE));
  }
  // 128-bit lane L of u0: head L's 4 partials (heads 0-3); of u1: heads 4-7.
  const __m512 u0 = _mm512_add_ps(_mm512_shuffle_f32x4(t[0], t[1], 0x88), _mm512_shuffle_f32x4(t[0], t[1], 0xDD));
  const __m512 u1 = _mm512_add_ps(_mm512_shuffle_f32x4(t[2], t[3], 0x88), _mm512_shuffle_f32x4(t[2], t[3], 0xDD));
  // Lane L: [head L: p0 + p1, p2 + p3, head L + 4: p0 + p1, p2 + p3].
  const __m512 v = _mm512_add_ps(_mm512_shuffle_ps(u0, u1, 0x88), _mm512_shuffle_ps(u0, u1, 0xDD));
  const __m512 w = _mm512_add_ps(v, _mm512_permute_ps(v, 0xB1));  // element 0: head L, element 2: head L + 4
  const __m512i idx = _mm512_setr_epi32(0, 4, 8, 12, 2, 6, 10, 14, 0, 0, 0, 0, 0, 0, 0, 0);
  return _mm512_castps512_ps256(_mm512_permutexvar_ps(idx, w));
}

// scratch[j * 8 + h] = scale * dot(q_h, k_j) for h < H; lanes H..7 get 0. The H heads are copied into one local
// array first, so every query operand is a base register plus a constant.
template <typename T, int H, int HD>
void scores(const float* q, std::int64_t q_stride, const PagedRows& k, std::int32_t n_kv, float scale, float* scratch) {
  constexpr int kU = HD / 16;
  alignas(64) float qc[H * HD];
  for (int h = 0; h < H; ++h) std::memcpy(qc + h * HD, q + h * q_stride, HD * sizeof(float));
  const __m256 vscale = _mm256_set1_ps(scale);
  for_paged_rows<T>(k, n_kv, 0, HD * sizeof(T), [&](std::int32_t j, const T* kr) {
    __m512 kv[kU];
    SOVRA_UNROLL
    for (int u = 0; u < kU; ++u) kv[u] = load16(kr + 16 * u);
    __m512 acc[kLanes];
    SOVRA_UNROLL
    for (int h = 0; h < kLanes; ++h) acc[h] = _mm512_setzero_ps();
    SOVRA_UNROLL
    for (int h = 0; h < H; ++h) {
      acc[h] = _mm512_mul_ps(_mm512_load_ps(qc + h * HD), kv[0]);
      SOVRA_UNROLL
      for (int u = 1; u < kU; ++u) acc[h] = _mm512_fmadd_ps(_mm512_load_ps(qc + h * HD + 16 * u), kv[u], acc[h]);
    }
    _mm256_storeu_ps(scratch + static_cast<std::int64_t>(j) * kLanes, _mm256_mul_ps(reduce8(acc), vscale));
  });
}

// out_h = sum over j of scratch[j * 8 + h0 + h] * v_j for h < HQ, whole rows of HD floats kept in registers.
template <typename T, int HQ, int HD>
void weighted(const float* scratch, int h0, const PagedRows& v, std::int32_t n_kv, std::int32_t prefetch_bytes,
              const float* inv, float* out, std::int64_t out_stride) {
  constexpr int kU = HD / 16;
  static_assert(HQ * kU <= 16);
  __m512 acc[HQ][kU];
  SOVRA_UNROLL
  for (int h = 0; h < HQ; ++h) {
    SOVRA_UNROLL
    for (int u = 0; u < kU; ++u) acc[h][u] = _mm512_setzero_ps();
  }
  for_paged_rows<T>(v, n_kv, 0, prefetch_bytes, [&](std::int32_t j, const T* vr) {
    __m512 vv[kU];
    SOVRA_UNROLL
    for (int u = 0; u < kU; ++u) vv[u] = load16(vr + 16 * u);
    SOVRA_UNROLL
    for (int h = 0; h < HQ; ++h) {
      const __m512 a = _mm512_set1_ps(scratch[static_cast<std::int64_t>(j) * kLanes + h0 + h]);
      SOVRA_UNROLL
      for (int u = 0; u < kU; ++u) acc[h][u] = _mm512_fmadd_ps(a, vv[u], acc[h][u]);
    }
  });
  SOVRA_UNROLL
  for (int h = 0; h < HQ; ++h) {
    const __m512 vinv = _mm512_set1_ps(inv[h0 + h]);
    SOVRA_UNROLL
    for (int u = 0; u < kU; ++u) _mm512_storeu_ps(out + (h0 + h) * out_stride + 16 * u, _mm512_mul_ps(acc[h][u], vinv));
  }
}

// exp(x) on 16 lanes: avx2's exp_ps lane for lane (the same constants, cpu::exp_poly, in the same operations).
inline __m512 exp16(__m512 x) {
  namespace c = cpu::exp_poly;
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(c::kMin)), _mm512_set1_ps(c::kMax));
  const __m512 fx = _mm512_roundscale_ps(_mm512_fmadd_ps(x, _mm512_set1_ps(c::kLog2e), _mm512_set1_ps(0.5f)),
                                         _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  x = _mm512_fnmadd_ps(fx, _mm512_set1_ps(c::kLn2Hi), x);
  x = _mm512_fnmadd_ps(fx, _mm512_set1_ps(c::kLn2Lo), x);
  __m512 y = _mm512_set1_ps(c::kPoly[0]);
  SOVRA_UNROLL
  for (int i = 1; i < 6; ++i) y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(c::kPoly[i]));
  y = _mm512_add_ps(_mm512_fmadd_ps(y, _mm512_mul_ps(x, x), x), _mm512_set1_ps(1.0f));
  const __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvttps_epi32(fx), _mm512_set1_epi32(127)), 23);
  return _mm512_mul_ps(y, _mm512_castsi512_ps(e));
}

// The softmax of each lane h < 8 over scratch[j * 8 + h], j < n, two positions per vector: scratch gets
// exp(s - max_h), inv[h] gets 1 / their sum (in double; even and odd positions summed apart, then added), and the
// weighted sums scale by inv at the end instead of a third pass normalising every weight. Lane h only ever meets
// lane h, so a head's result does not depend on the other heads.
void softmax_pairs(float* scratch, std::int32_t n, float* inv) {
  const std::int32_t pairs = n / 2;
  const bool odd = (n & 1) != 0;
  float* tail = scratch + static_cast<std::int64_t>(pairs) * 2 * kLanes;  // position n - 1 when n is odd
  __m512 mx = _mm512_set1_ps(-__builtin_inff());
  for (std::int32_t i = 0; i < pairs; ++i) mx = _mm512_max_ps(mx, _mm512_loadu_ps(scratch + i * 2 * kLanes));
  __m256 m8 =
      _mm256_max_ps(_mm512_castps512_ps256(mx), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(mx), 1)));
  if (odd) m8 = _mm256_max_ps(m8, _mm256_loadu_ps(tail));
  const __m512 m16 = _mm512_castps256_ps512(m8);
  const __m512 vm = _mm512_shuffle_f32x4(m16, m16, 0x44);  // the 8 maxima in both halves
  __m512d even = _mm512_setzero_pd();
  __m512d oddsum = _mm512_setzero_pd();
  for (std::int32_t i = 0; i < pairs; ++i) {
    float* p = scratch + i * 2 * kLanes;
    const __m512 e = exp16(_mm512_sub_ps(_mm512_loadu_ps(p), vm));
    _mm512_storeu_ps(p, e);
    even = _mm512_add_pd(even, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
    oddsum = _mm512_add_pd(oddsum, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(e), 1))));
  }
  if (odd) {
    const __m512 e = exp16(_mm512_sub_ps(_mm512_castps256_ps512(_mm256_loadu_ps(tail)), vm));
    _mm256_storeu_ps(tail, _mm512_castps512_ps256(e));
    even = _mm512_add_pd(even, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
  }
  const __m512d sum = _mm512_add_pd(even, oddsum);
  _mm256_storeu_ps(inv, _mm512_cvtpd_ps(_mm512_div_pd(_mm512_set1_pd(1.0), sum)));
}

using ScoresFn = void (*)(const float*, std::int64_t, const PagedRows&, std::int32_t, float, float*);
template <typename T, int HD>
constexpr ScoresFn kScores[kLanes] = {scores<T, 1, HD>, scores<T, 2, HD>, scores<T, 3, HD>, scores<T, 4, HD>,
                                      scores<T, 5, HD>, scores<T, 6, HD>, scores<T, 7, HD>, scores<T, 8, HD>};

using WeightedFn = void (*)(const float*, int, const PagedRows&, std::int32_t, std::int32_t, const float*, float*,
                            std::int64_t);

template <typename T, int HD>
void attend(const float* q, std::int64_t q_stride, std::int32_t n_q, const PagedRows& k, const PagedRows& v,
            std::int32_t n_kv, float scale, float* scratch, float* out, std::int64_t out_stride) {
  constexpr int kHq = 256 / HD;  // heads per pass over V: 4 of 64 floats, 2 of 128 (16 accumulators)
  constexpr WeightedFn kFull = weighted<T, kHq, HD>;
  constexpr WeightedFn kPart[4] = {weighted<T, 1, HD>, weighted<T, (kHq > 2 ? 2 : 1), HD>,
                                   weighted<T, (kHq > 3 ? 3 : 1), HD>, weighted<T, kHq, HD>};  // [n - 1]: n < kHq
  for (std::int32_t g = 0; g < n_q; g += kLanes) {
    const int hc = n_q - g < kLanes ? n_q - g : kLanes;
    kScores<T, HD>[hc - 1](q + g * q_stride, q_stride, k, n_kv, scale, scratch);
    alignas(32) float inv[kLanes];
    softmax_pairs(scratch, n_kv, inv);
    float* o = out + g * out_stride;
    int h = 0;
    constexpr std::int32_t kRowBytes = HD * sizeof(T);
    for (; h + kHq <= hc; h += kHq) kFull(scratch, h, v, n_kv, h == 0 ? kRowBytes : 0, inv, o, out_stride);
    if (h < hc) kPart[hc - h - 1](scratch, h, v, n_kv, h == 0 ? kRowBytes : 0, inv, o, out_stride);
  }
}

}  // namespace

bool attend_group_fits(std::int32_t head_dim) { return head_dim == 64 || head_dim == 128; }

void attend_group(const float* q, std::int64_t q_stride, std::int32_t n_q, const PagedRows& k, const PagedRows& v,
                  std::int32_t n_kv, std::int32_t head_dim, float scale, float* scratch, float* out,
                  std::int64_t out_stride) {
  const bool f16 = k.elem == KvElem::kF16;
  if (head_dim == 64) {
    (f16 ? attend<std::uint16_t, 64> : attend<float, 64>)(q, q_stride, n_q, k, v, n_kv, scale, scratch, out,
                                                          out_stride);
  } else {
    (f16 ? attend<std::uint16_t, 128> : attend<float, 128>)(q, q_stride, n_q, k, v, n_kv, scale, scratch, out,
                                                            out_stride);
  }
}

}  // namespace sovra::kernels::avx512
