// AVX2/FMA forms of the element-wise kernels of ops.hpp.
#include "kernels/cpu/avx2.hpp"

#include <cmath>

#include "kernels/cpu/avx2_common.hpp"

namespace sovra::kernels::avx2 {

// gate * sigmoid(gate) * up, 8 lanes at a time with exp_ps; the tail is done the same way on a padded copy.
void swiglu(float* gate, const float* up, std::int64_t n) {
  const __m256 one = _mm256_set1_ps(1.0f);
  auto eight = [&](const float* g, const float* u, float* out) {
    const __m256 x = _mm256_loadu_ps(g);
    const __m256 e = exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), x));
    _mm256_storeu_ps(out, _mm256_mul_ps(_mm256_div_ps(x, _mm256_add_ps(one, e)), _mm256_loadu_ps(u)));
  };
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) eight(gate + i, up + i, gate + i);
  if (i < n) {
    float g[8] = {};
    float u[8] = {};
    const auto rest = static_cast<std::size_t>(n - i);
    std::memcpy(g, gate + i, rest * sizeof(float));
    std::memcpy(u, up + i, rest * sizeof(float));
    eight(g, u, g);
    std::memcpy(gate + i, g, rest * sizeof(float));
  }
}

void rms_norm(const float* x, const float* w, float* y, std::int64_t n, float eps) {
  __m256d acc[4] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
  std::int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 a = _mm256_loadu_ps(x + i);
    const __m256 b = _mm256_loadu_ps(x + i + 8);
    const __m256d a0 = _mm256_cvtps_pd(_mm256_castps256_ps128(a));
    const __m256d a1 = _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1));
    const __m256d b0 = _mm256_cvtps_pd(_mm256_castps256_ps128(b));
    const __m256d b1 = _mm256_cvtps_pd(_mm256_extractf128_ps(b, 1));
    acc[0] = _mm256_fmadd_pd(a0, a0, acc[0]);
    acc[1] = _mm256_fmadd_pd(a1, a1, acc[1]);
    acc[2] = _mm256_fmadd_pd(b0, b0, acc[2]);
    acc[3] = _mm256_fmadd_pd(b1, b1, acc[3]);
  }
  const __m256d s4 = _mm256_add_pd(_mm256_add_pd(acc[0], acc[1]), _mm256_add_pd(acc[2], acc[3]));
  __m128d s2 = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd(s4, 1));
  s2 = _mm_add_sd(s2, _mm_unpackhi_pd(s2, s2));
  double sum = _mm_cvtsd_f64(s2);
  for (; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  const auto scale = static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(n) + eps));
  const __m256 vs = _mm256_set1_ps(scale);
  for (i = 0; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), vs), _mm256_loadu_ps(w + i)));
  }
  for (; i < n; ++i) y[i] = x[i] * scale * w[i];
}

// Pairs (2i, 2i + 1): eight floats are four pairs; cos and sin of pair i go to both of its lanes, and
// VFMADDSUB gives x0 c - x1 s in the even lanes and x1 c + x0 s in the odd ones.
void rope_rotate_normal(float* x, std::int32_t n_heads, std::int32_t head_dim, std::int32_t n_rot, const float* cos_t,
                        const float* sin_t) {
  const __m256i dup = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3);
  for (std::int32_t h = 0; h < n_heads; ++h) {
    float* v = x + static_cast<std::int64_t>(h) * head_dim;
    for (std::int32_t j = 0; j < n_rot; j += 8) {
      const __m256 c = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_loadu_ps(cos_t + j / 2)), dup);
      const __m256 s = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_loadu_ps(sin_t + j / 2)), dup);
      const __m256 xv = _mm256_loadu_ps(v + j);
      const __m256 swapped = _mm256_permute_ps(xv, 0xB1);  // x1 x0 x3 x2 ...
      _mm256_storeu_ps(v + j, _mm256_fmaddsub_ps(xv, c, _mm256_mul_ps(swapped, s)));
    }
  }
}

// Pairs (i, i + n_rot / 2): eight consecutive pairs at once.
void rope_rotate_neox(float* x, std::int32_t n_heads, std::int32_t head_dim, std::int32_t n_rot, const float* cos_t,
                      const float* sin_t) {
  const std::int32_t half = n_rot / 2;
  for (std::int32_t h = 0; h < n_heads; ++h) {
    float* v = x + static_cast<std::int64_t>(h) * head_dim;
    for (std::int32_t i = 0; i < half; i += 8) {
      const __m256 c = _mm256_loadu_ps(cos_t + i);
      const __m256 s = _mm256_loadu_ps(sin_t + i);
      const __m256 x0 = _mm256_loadu_ps(v + i);
      const __m256 x1 = _mm256_loadu_ps(v + i + half);
      _mm256_storeu_ps(v + i, _mm256_fmsub_ps(x0, c, _mm256_mul_ps(x1, s)));
      _mm256_storeu_ps(v + i + half, _mm256_fmadd_ps(x0, s, _mm256_mul_ps(x1, c)));
    }
  }
}

}  // namespace sovra::kernels::avx2
