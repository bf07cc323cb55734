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

inline constexpr std::int32_t kMaxRopePairs = 512;  // n_rot / 2 at most

// Rotates `n_heads` heads of one token at absolute position `pos` in place: x is [n_heads, head_dim].
// Precondition: n_rot <= 2 * kMaxRopePairs.
void rope(float* x, std::int32_t n_heads, std::int32_t pos, const RopeParams& p);
// The same in two steps, for callers that rotate several vectors at one position: the cosines and sines of the
// n_rot / 2 angles of `pos`, then the rotation with them. rope_rotate(x, ..., angles of pos) == rope(x, ..., pos).
void rope_angles(std::int32_t pos, const RopeParams& p, float* cos_t, float* sin_t);
void rope_rotate(float* x, std::int32_t n_heads, const float* cos_t, const float* sin_t, const RopeParams& p);

// In place over n values, numerically stable.
void softmax(float* x, std::int64_t n);

// gate[i] = silu(gate[i]) * up[i]; with SIMD kernels active, exp is a polynomial (relative error below 1e-6).
void swiglu(float* gate, const float* up, std::int64_t n);

// Causal attention of one query head over `n_kv` cached positions.
// q: [head_dim]; k, v: rows of a cache with `kv_stride` floats between positions; out: [head_dim].
// scratch: at least n_kv floats.
void attend_one(const float* q, const float* k, const float* v, std::int64_t kv_stride, std::int32_t n_kv,
                std::int32_t head_dim, float scale, float* scratch, float* out);

// How a KV cache stores its elements: f32, or IEEE binary16 (half the memory and half the bytes attention reads;
// values rounded to nearest even when written, as llama.cpp's default cache does).
enum class KvElem : std::uint8_t { kF32, kF16 };

// The rows of one KV head in a paged cache: position j's row starts at
// base + block_table[j / block_size] * block_stride + (j % block_size) * row_stride elements of type `elem`
// (float for kF32, a binary16 bit pattern in a std::uint16_t for kF16).
struct PagedRows {
  const void* base = nullptr;
  const std::int32_t* block_table = nullptr;
  std::int32_t block_size = 1;
  std::int64_t block_stride = 0;
  std::int64_t row_stride = 0;
  KvElem elem = KvElem::kF32;
};

// Query heads one attend_group pass handles together; scratch is sized by it.
inline constexpr std::int32_t kAttendGroupHeads = 8;

// Causal attention of n_q query heads that share one KV head (grouped-query attention) over positions
// [0, n_kv) of a paged cache: for each head h, out + h * out_stride receives what attend_one computes for
// q + h * q_stride over the same K and V rows (f16 rows: over the floats they encode). K and V rows are read once
// per kAttendGroupHeads heads instead of once per head. Results differ from attend_one only in float summation
// order (and, vectorised, exp rounding), and a head's result does not depend on n_q or on the other heads.
// k and v have the same elem. scratch: at least kAttendGroupHeads * n_kv floats.
void attend_group(const float* q, std::int64_t q_stride, std::int32_t n_q, const PagedRows& k, const PagedRows& v,
                  std::int32_t n_kv, std::int32_t head_dim, float scale, float* scratch, float* out,
                  std::int64_t out_stride);

}  // namespace sovra::kernels
