#pragma once
// Element-wise and attention kernels of the transformer forward pass, on f32 rows. The matrix products of
// quantized weights live in kernels/matmul.hpp; these are the cheap operations around them.
#include <cstdint>

namespace sovra::kernels {

// y[i] = x[i] / sqrt(mean(x^2) + eps) * w[i]; y may alias x.
void rms_norm(const float* x, const float* w, float* y, std::int64_t n, float eps);

enum class RopeMode { kNormal, kNeox };

struct RopeParams {
  std::int32_t n_rot = 0;  // rotated dimensions of each head (even)
  std::int32_t head_dim = 0;
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;              // linear scaling: positions multiplied by this
  const float* freq_factors = nullptr;  // [n_rot/2] llama3-style divisors of each frequency, or null
  RopeMode mode = RopeMode::kNormal;
};

// Rotates `n_heads` heads of one token at absolute position `pos` in place: x is [n_heads, head_dim].
void rope(float* x, std::int32_t n_heads, std::int32_t pos, const RopeParams& p);

// In place over n values, numerically stable.
void softmax(float* x, std::int64_t n);

// gate[i] = silu(gate[i]) * up[i]
void swiglu(float* gate, const float* up, std::int64_t n);

// Causal attention of one query head over `n_kv` cached positions.
// q: [head_dim]; k, v: rows of a cache with `kv_stride` floats between positions; out: [head_dim].
// scratch: at least n_kv floats.
void attend_one(const float* q, const float* k, const float* v, std::int64_t kv_stride, std::int32_t n_kv,
                std::int32_t head_dim, float scale, float* scratch, float* out);

}  // namespace sovra::kernels
