// AVX2/FMA attention of one query head over a float KV cache (the vectorised form of kernels::attend_one).
#include "kernels/cpu/avx2.hpp"
#include "kernels/cpu/avx2_common.hpp"
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
    for (std::int32_t t = 0; t < n_kv; ++t) o = _mm256_fmadd_ps(_mm256_set1_ps(scratch[t]), _mm256_loadu_ps(v + t * kv_stride + d), o);
    _mm256_storeu_ps(out + d, o);
  }
  for (; d < head_dim; ++d) {
    float o = 0.0f;
    for (std::int32_t t = 0; t < n_kv; ++t) o += scratch[t] * v[t * kv_stride + d];
    out[d] = o;
  }
}

}  // namespace sovra::kernels::avx2
