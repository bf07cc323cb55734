// AVX2/FMA forms of the element-wise kernels of ops.hpp.
#include "kernels/cpu/avx2.hpp"
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

}  // namespace sovra::kernels::avx2
