// Scalar reference kernels for the float weight types: F32, F16 and BF16 (activations stay F32).
#include <cstring>

#include "kernels/cpu/ref.hpp"
#include "kernels/quant/half.hpp"

namespace sovra::kernels::ref {

void dequantize_row_f32(const void* src, float* dst, std::int64_t n) {
  std::memcpy(dst, src, static_cast<std::size_t>(n) * sizeof(float));
}

void quantize_row_f32(const float* src, void* dst, std::int64_t n) {
  std::memcpy(dst, src, static_cast<std::size_t>(n) * sizeof(float));
}

void dequantize_row_f16(const void* src, float* dst, std::int64_t n) {
  const auto* h = static_cast<const Half*>(src);
  for (std::int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(h[i]);
}

void quantize_row_f16(const float* src, void* dst, std::int64_t n) {
  auto* h = static_cast<Half*>(dst);
  for (std::int64_t i = 0; i < n; ++i) h[i] = fp32_to_fp16(src[i]);
}

void dequantize_row_bf16(const void* src, float* dst, std::int64_t n) {
  const auto* b = static_cast<const Bf16*>(src);
  for (std::int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(b[i]);
}

void quantize_row_bf16(const float* src, void* dst, std::int64_t n) {
  auto* b = static_cast<Bf16*>(dst);
  for (std::int64_t i = 0; i < n; ++i) b[i] = fp32_to_bf16(src[i]);
}

float vec_dot_f32(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const float*>(w);
  const auto* y = static_cast<const float*>(a);
  float sum = 0.0f;
  for (std::int64_t i = 0; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

float vec_dot_f16(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Half*>(w);
  const auto* y = static_cast<const float*>(a);
  float sum = 0.0f;
  for (std::int64_t i = 0; i < n; ++i) sum += fp16_to_fp32(x[i]) * y[i];
  return sum;
}

float vec_dot_bf16(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Bf16*>(w);
  const auto* y = static_cast<const float*>(a);
  float sum = 0.0f;
  for (std::int64_t i = 0; i < n; ++i) sum += bf16_to_fp32(x[i]) * y[i];
  return sum;
}

}  // namespace sovra::kernels::ref
