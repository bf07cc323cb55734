// AVX2/FMA attention: one query head over contiguous f32 rows (the vectorised form of kernels::attend_one) and a
// group of query heads over paged f32 or f16 rows (kernels::attend_group; f16 converted on load, exact).
#include <cfloat>
#include <cstring>

#include "kernels/cpu/avx2.hpp"
#include "kernels/cpu/avx2_common.hpp"
#include "kernels/cpu/paged_rows.hpp"
#include "kernels/ops.hpp"

namespace sovra::kernels::avx2 {

// Dots with four accumulators (head_dim 64 is two rounds), then softmax, then the weighted sum of V rows with the
// output kept in registers 8 lanes at a time. Tails of head_dim % 8 are scalar.
void attend_one(const float* q, const float* k, const float* v, std::int64_t kv_stride, std::int32_t n_kv,
                std::int32_t head_dim, float scale, float* scratch, float* out) {
  const std::int32_t vec = head_dim / 8 * 8;
  for (std::int32_t t = 0; t < n_kv; ++t) {
    const float* kt = k + t * kv_stride;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    std::int32_t d = 0;
    for (; d + 32 <= vec; d += 32) {
      SOVRA_UNROLL
      for (int u = 0; u < 4; ++u) {
        acc[u] = _mm256_fmadd_ps(_mm256_loadu_ps(q + d + 8 * u), _mm256_loadu_ps(kt + d + 8 * u), acc[u]);
      }
    }
    for (; d < vec; d += 8) acc[0] = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), _mm256_loadu_ps(kt + d), acc[0]);
    float dot = hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    for (; d < head_dim; ++d) dot += q[d] * kt[d];
    scratch[t] = dot * scale;
  }
  softmax(scratch, n_kv);
  std::int32_t d = 0;
  for (; d + 32 <= vec; d += 32) {
    __m256 o[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (std::int32_t t = 0; t < n_kv; ++t) {
      const __m256 a = _mm256_set1_ps(scratch[t]);
      const float* vt = v + t * kv_stride + d;
      SOVRA_UNROLL
      for (int u = 0; u < 4; ++u) o[u] = _mm256_fmadd_ps(a, _mm256_loadu_ps(vt + 8 * u), o[u]);
    }
    SOVRA_UNROLL
    for (int u = 0; u < 4; ++u) _mm256_storeu_ps(out + d + 8 * u, o[u]);
  }
  for (; d < vec; d += 8) {
    __m256 o = _mm256_setzero_ps();
    for (std::int32_t t = 0; t < n_kv; ++t)
      o = _mm256_fmadd_ps(_mm256_set1_ps(scratch[t]), _mm256_loadu_ps(v + t * kv_stride + d), o);
    _mm256_storeu_ps(out + d, o);
  }
  for (; d < head_dim; ++d) {
    float o = 0.0f;
    for (std::int32_t t = 0; t < n_kv; ++t) o += scratch[t] * v[t * kv_stride + d];
    out[d] = o;
  }
}

}  // namespace sovra::kernels::avx2

namespace sovra::kernels::avx2 {
namespace {

constexpr int kLanes = kAttendGroupHeads;  // one head per lane of the score rows: scratch[j * 8 + h]
static_assert(kLanes == 8);

// Lane h <- the sum of the 8 lanes of a[h].
inline __m256 reduce8(const __m256* a) {
  const __m256 s01 = _mm256_hadd_ps(a[0], a[1]);
  const __m256 s23 = _mm256_hadd_ps(a[2], a[3]);
  const __m256 s45 = _mm256_hadd_ps(a[4], a[5]);
  const __m256 s67 = _mm256_hadd_ps(a[6], a[7]);
  const __m256 t0 = _mm256_hadd_ps(s01, s23);  // heads 0-3: low half of each row | high half
  const __m256 t1 = _mm256_hadd_ps(s45, s67);
  return _mm256_add_ps(_mm256_permute2f128_ps(t0, t1, 0x20), _mm256_permute2f128_ps(t0, t1, 0x31));
}

using cpu::for_paged_rows;

// 8 elements of a K or V row as floats: f32 rows as they are, f16 rows converted (exact).
inline __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
inline __m256 load8(const std::uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// scratch[j * 8 + h] = scale * dot(q_h, k_j) for h < H; lanes H..7 get 0.
template <typename T, int H>
void scores(const float* q, std::int64_t q_stride, const PagedRows& k, std::int32_t n_kv, std::int32_t head_dim,
            float scale, float* scratch) {
  const __m256 vscale = _mm256_set1_ps(scale);
  for_paged_rows<T>(k, n_kv, 0, head_dim * static_cast<std::int32_t>(sizeof(T)), [&](std::int32_t j, const T* kr) {
    __m256 acc[kLanes];
    SOVRA_UNROLL
    for (int h = 0; h < kLanes; ++h) acc[h] = _mm256_setzero_ps();
    for (std::int32_t d = 0; d < head_dim; d += 8) {
      const __m256 kv = load8(kr + d);
      SOVRA_UNROLL
      for (int h = 0; h < H; ++h) acc[h] = _mm256_fmadd_ps(_mm256_loadu_ps(q + h * q_stride + d), kv, acc[h]);
    }
    _mm256_storeu_ps(scratch + static_cast<std::int64_t>(j) * kLanes, _mm256_mul_ps(reduce8(acc), vscale));
  });
}

// scores<H> for a head_dim fixed at compile time: the H query heads are copied into one local array first, so
// every query load is one base register plus a constant (with eight run-time head pointers the compiler spilled
// them and reloaded one before each FMA), and the loop over the row is fully unrolled. Same arithmetic, in the
// same order, as scores<H>.
template <typename T, int H, int HD>
void scores_fixed(const float* q, std::int64_t q_stride, const PagedRows& k, std::int32_t n_kv, std::int32_t,
                  float scale, float* scratch) {
  static_assert(HD % 8 == 0);
  alignas(32) float qc[H * HD];
  for (int h = 0; h < H; ++h) std::memcpy(qc + h * HD, q + h * q_stride, HD * sizeof(float));
  const __m256 vscale = _mm256_set1_ps(scale);
  for_paged_rows<T>(k, n_kv, 0, HD * sizeof(T), [&](std::int32_t j, const T* kr) {
    __m256 acc[kLanes];
    SOVRA_UNROLL
    for (int h = 0; h < kLanes; ++h) acc[h] = _mm256_setzero_ps();
    SOVRA_UNROLL
    for (int d = 0; d < HD; d += 8) {
      const __m256 kv = load8(kr + d);
      SOVRA_UNROLL
      for (int h = 0; h < H; ++h) acc[h] = _mm256_fmadd_ps(_mm256_load_ps(qc + h * HD + d), kv, acc[h]);
    }
    _mm256_storeu_ps(scratch + static_cast<std::int64_t>(j) * kLanes, _mm256_mul_ps(reduce8(acc), vscale));
  });
}

// out_h[d0, d0 + 8U) = sum over j of scratch[j * 8 + h0 + h] * v_j[d0, d0 + 8U) for h < H, in the order of j.
template <typename T, int H, int U>
void weighted_rows(const float* scratch, int h0, const PagedRows& v, std::int32_t n_kv, std::int32_t d0, float* out,
                   std::int64_t out_stride) {
  __m256 acc[H][U];
  SOVRA_UNROLL
  for (int h = 0; h < H; ++h) {
    SOVRA_UNROLL
    for (int u = 0; u < U; ++u) acc[h][u] = _mm256_setzero_ps();
  }
  constexpr std::int32_t kBytes = 8 * U * sizeof(T);
  for_paged_rows<T>(v, n_kv, d0 * static_cast<std::int32_t>(sizeof(T)), kBytes, [&](std::int32_t j, const T* vr) {
    __m256 vv[U];
    SOVRA_UNROLL
    for (int u = 0; u < U; ++u) vv[u] = load8(vr + d0 + 8 * u);
    SOVRA_UNROLL
    for (int h = 0; h < H; ++h) {
      const __m256 a = _mm256_broadcast_ss(scratch + static_cast<std::int64_t>(j) * kLanes + h0 + h);
      SOVRA_UNROLL
      for (int u = 0; u < U; ++u) acc[h][u] = _mm256_fmadd_ps(a, vv[u], acc[h][u]);
    }
  });
  SOVRA_UNROLL
  for (int h = 0; h < H; ++h) {
    SOVRA_UNROLL
    for (int u = 0; u < U; ++u) _mm256_storeu_ps(out + (h0 + h) * out_stride + d0 + 8 * u, acc[h][u]);
  }
}

template <typename T, int H>
void weighted(const float* scratch, int h0, const PagedRows& v, std::int32_t n_kv, std::int32_t head_dim, float* out,
              std::int64_t out_stride) {
  std::int32_t d0 = 0;
  for (; d0 + 32 <= head_dim; d0 += 32) weighted_rows<T, H, 4>(scratch, h0, v, n_kv, d0, out, out_stride);
  for (; d0 < head_dim; d0 += 8) weighted_rows<T, H, 1>(scratch, h0, v, n_kv, d0, out, out_stride);
}

using ScoresFn = void (*)(const float*, std::int64_t, const PagedRows&, std::int32_t, std::int32_t, float, float*);
template <typename T>
constexpr ScoresFn kScores[kLanes] = {scores<T, 1>, scores<T, 2>, scores<T, 3>, scores<T, 4>,
                                      scores<T, 5>, scores<T, 6>, scores<T, 7>, scores<T, 8>};
template <typename T>
constexpr ScoresFn kScores64[kLanes] = {scores_fixed<T, 1, 64>, scores_fixed<T, 2, 64>, scores_fixed<T, 3, 64>,
                                        scores_fixed<T, 4, 64>, scores_fixed<T, 5, 64>, scores_fixed<T, 6, 64>,
                                        scores_fixed<T, 7, 64>, scores_fixed<T, 8, 64>};
template <typename T>
constexpr ScoresFn kScores128[kLanes] = {scores_fixed<T, 1, 128>, scores_fixed<T, 2, 128>, scores_fixed<T, 3, 128>,
                                         scores_fixed<T, 4, 128>, scores_fixed<T, 5, 128>, scores_fixed<T, 6, 128>,
                                         scores_fixed<T, 7, 128>, scores_fixed<T, 8, 128>};

}  // namespace

// Sums in double, as the reference.
void softmax_lanes(float* scratch, std::int32_t n) {
  __m256 mx = _mm256_set1_ps(-FLT_MAX);
  for (std::int32_t j = 0; j < n; ++j) mx = _mm256_max_ps(mx, _mm256_loadu_ps(scratch + j * kLanes));
  __m256d lo = _mm256_setzero_pd();
  __m256d hi = _mm256_setzero_pd();
  for (std::int32_t j = 0; j < n; ++j) {
    const __m256 e = exp_ps(_mm256_sub_ps(_mm256_loadu_ps(scratch + j * kLanes), mx));
    _mm256_storeu_ps(scratch + j * kLanes, e);
    lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
    hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
  }
  const __m256d one = _mm256_set1_pd(1.0);
  const __m256 inv = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(_mm256_div_pd(one, lo))),
                                          _mm256_cvtpd_ps(_mm256_div_pd(one, hi)), 1);
  for (std::int32_t j = 0; j < n; ++j) {
    _mm256_storeu_ps(scratch + j * kLanes, _mm256_mul_ps(_mm256_loadu_ps(scratch + j * kLanes), inv));
  }
}

namespace {

// Heads are taken eight at a time, one per lane: the scores of position j for all eight come from one pass over
// k_j and land in one vector, the softmax runs on eight columns at once, and the weighted sum of V rows serves
// two heads per pass over v_j (output kept in registers 32 floats at a time).
template <typename T>
void attend_group_rows(const float* q, std::int64_t q_stride, std::int32_t n_q, const PagedRows& k, const PagedRows& v,
                       std::int32_t n_kv, std::int32_t head_dim, float scale, float* scratch, float* out,
                       std::int64_t out_stride) {
  const ScoresFn* table = head_dim == 64 ? kScores64<T> : head_dim == 128 ? kScores128<T> : kScores<T>;
  for (std::int32_t g = 0; g < n_q; g += kLanes) {
    const int hc = n_q - g < kLanes ? n_q - g : kLanes;
    table[hc - 1](q + g * q_stride, q_stride, k, n_kv, head_dim, scale, scratch);
    softmax_lanes(scratch, n_kv);
    float* o = out + g * out_stride;
    int h = 0;
    for (; h + 2 <= hc; h += 2) weighted<T, 2>(scratch, h, v, n_kv, head_dim, o, out_stride);
    if (h < hc) weighted<T, 1>(scratch, h, v, n_kv, head_dim, o, out_stride);
  }
}

}  // namespace

void attend_group(const float* q, std::int64_t q_stride, std::int32_t n_q, const PagedRows& k, const PagedRows& v,
                  std::int32_t n_kv, std::int32_t head_dim, float scale, float* scratch, float* out,
                  std::int64_t out_stride) {
  (k.elem == KvElem::kF16 ? attend_group_rows<std::uint16_t> : attend_group_rows<float>)(q, q_stride, n_q, k, v, n_kv,
                                                                                         head_dim, scale, scratch, out,
                                                                                         out_stride);
}

}  // namespace sovra::kernels::avx2
