#include "kernels/ops.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/cpu/kernel_table.hpp"
#include "kernels/quant/half.hpp"
#if SOVRA_KERNELS_AVX2
#include "kernels/cpu/avx2.hpp"
#include "kernels/cpu/avx512.hpp"
#endif

namespace sovra::kernels {

void rms_norm(const float* x, const float* w, float* y, std::int64_t n, float eps) {
#if SOVRA_KERNELS_AVX2
  if (simd_active()) {
    avx2::rms_norm(x, w, y, n, eps);
    return;
  }
#endif
  // double: the reference models are checked to 1e-3 over many layers. Four partial sums break the chain of
  // dependent additions (the order only moves the double sum in its last bits).
  double part[4] = {0.0, 0.0, 0.0, 0.0};
  std::int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int j = 0; j < 4; ++j) part[j] += static_cast<double>(x[i + j]) * x[i + j];
  }
  for (; i < n; ++i) part[0] += static_cast<double>(x[i]) * x[i];
  const double sum = (part[0] + part[1]) + (part[2] + part[3]);
  const float scale = static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(n) + eps));
  for (i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
}

void rope_angles(std::int32_t pos, const RopeParams& p, float* cos_t, float* sin_t) {
  // theta_i = pos * base^(-2i/n_rot), per pair i.
  for (std::int32_t i = 0; i < p.n_rot / 2; ++i) {
    double theta = static_cast<double>(pos) * p.freq_scale *
                   std::pow(static_cast<double>(p.freq_base), -2.0 * i / static_cast<double>(p.n_rot));
    if (p.freq_factors != nullptr) theta /= p.freq_factors[i];
    cos_t[i] = static_cast<float>(std::cos(theta));
    sin_t[i] = static_cast<float>(std::sin(theta));
  }
}

void rope_rotate(float* x, std::int32_t n_heads, const float* cos_t, const float* sin_t, const RopeParams& p) {
#if SOVRA_KERNELS_AVX2
  if (simd_active()) {
    if (p.mode == RopeMode::kNormal && p.n_rot % 8 == 0) {
      avx2::rope_rotate_normal(x, n_heads, p.head_dim, p.n_rot, cos_t, sin_t);
      return;
    }
    if (p.mode == RopeMode::kNeox && p.n_rot % 16 == 0) {
      avx2::rope_rotate_neox(x, n_heads, p.head_dim, p.n_rot, cos_t, sin_t);
      return;
    }
  }
#endif
  const std::int32_t half = p.n_rot / 2;
  for (std::int32_t h = 0; h < n_heads; ++h) {
    float* v = x + static_cast<std::int64_t>(h) * p.head_dim;
    for (std::int32_t i = 0; i < half; ++i) {
      const std::int32_t a = p.mode == RopeMode::kNormal ? 2 * i : i;
      const std::int32_t b = p.mode == RopeMode::kNormal ? 2 * i + 1 : i + half;
      const float x0 = v[a];
      const float x1 = v[b];
      v[a] = x0 * cos_t[i] - x1 * sin_t[i];
      v[b] = x0 * sin_t[i] + x1 * cos_t[i];
    }
  }
}

void rope(float* x, std::int32_t n_heads, std::int32_t pos, const RopeParams& p) {
  float cos_t[kMaxRopePairs];
  float sin_t[kMaxRopePairs];
  rope_angles(pos, p, cos_t, sin_t);
  rope_rotate(x, n_heads, cos_t, sin_t, p);
}

void softmax(float* x, std::int64_t n) {
  float mx = -INFINITY;
  for (std::int64_t i = 0; i < n; ++i) mx = std::max(mx, x[i]);
  double sum = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - mx);
    sum += x[i];
  }
  const auto inv = static_cast<float>(1.0 / sum);
  for (std::int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void swiglu(float* gate, const float* up, std::int64_t n) {
#if SOVRA_KERNELS_AVX2
  if (simd_active()) {
    avx2::swiglu(gate, up, n);
    return;
  }
#endif
  for (std::int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    gate[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void attend_one(const float* q, const float* k, const float* v, std::int64_t kv_stride, std::int32_t n_kv,
                std::int32_t head_dim, float scale, float* scratch, float* out) {
#if SOVRA_KERNELS_AVX2
  if (simd_active()) {
    avx2::attend_one(q, k, v, kv_stride, n_kv, head_dim, scale, scratch, out);
    return;
  }
#endif
  for (std::int32_t t = 0; t < n_kv; ++t) {
    const float* kt = k + t * kv_stride;
    float dot = 0.0f;
    for (std::int32_t d = 0; d < head_dim; ++d) dot += q[d] * kt[d];
    scratch[t] = dot * scale;
  }
  softmax(scratch, n_kv);
  std::fill(out, out + head_dim, 0.0f);
  for (std::int32_t t = 0; t < n_kv; ++t) {
    const float* vt = v + t * kv_stride;
    const float a = scratch[t];
    for (std::int32_t d = 0; d < head_dim; ++d) out[d] += a * vt[d];
  }
}

}  // namespace sovra::kernels

namespace sovra::kernels {

// Reference: attend_one's arithmetic per head, rows looked up through the block table.
void attend_group(const float* q, std::int64_t q_stride, std::int32_t n_q, const PagedRows& k, const PagedRows& v,
                  std::int32_t n_kv, std::int32_t head_dim, float scale, float* scratch, float* out,
                  std::int64_t out_stride) {
#if SOVRA_KERNELS_AVX2
  if (avx512_active() && avx512::attend_group_fits(head_dim)) {
    avx512::attend_group(q, q_stride, n_q, k, v, n_kv, head_dim, scale, scratch, out, out_stride);
    return;
  }
  if (simd_active() && head_dim % 8 == 0) {
    avx2::attend_group(q, q_stride, n_q, k, v, n_kv, head_dim, scale, scratch, out, out_stride);
    return;
  }
#endif
  // Element d of position j's row, as a float (f16 converted exactly).
  auto at = [](const PagedRows& r, std::int32_t j, std::int32_t d) {
    const std::int64_t i = static_cast<std::int64_t>(r.block_table[j / r.block_size]) * r.block_stride +
                           static_cast<std::int64_t>(j % r.block_size) * r.row_stride + d;
    return r.elem == KvElem::kF16 ? fp16_to_fp32(static_cast<const Half*>(r.base)[i])
                                  : static_cast<const float*>(r.base)[i];
  };
  for (std::int32_t h = 0; h < n_q; ++h) {
    const float* qh = q + h * q_stride;
    for (std::int32_t j = 0; j < n_kv; ++j) {
      float dot = 0.0f;
      for (std::int32_t d = 0; d < head_dim; ++d) dot += qh[d] * at(k, j, d);
      scratch[j] = dot * scale;
    }
    softmax(scratch, n_kv);
    float* o = out + h * out_stride;
    std::fill(o, o + head_dim, 0.0f);
    for (std::int32_t j = 0; j < n_kv; ++j) {
      const float a = scratch[j];
      for (std::int32_t d = 0; d < head_dim; ++d) o[d] += a * at(v, j, d);
    }
  }
}

}  // namespace sovra::kernels
