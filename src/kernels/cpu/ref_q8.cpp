// Scalar reference kernels for the 8-bit encodings: Q8_0 (weights and activations), Q8_1 and Q8_K
// (activations only).
//
// The activation quantizers fix the arithmetic the SIMD quantizers must reproduce bit for bit: the scale is
// amax / 127, the multiplier 127 / amax (0 for an all-zero block), and each value rounds to nearest even.
#include <cmath>

#include "kernels/cpu/ref.hpp"
#include "kernels/cpu/ref_util.hpp"
#include "kernels/quant/half.hpp"

namespace sovra::kernels::ref {
namespace {

float abs_max(const float* x, int n) {
  float amax = 0.0f;
  for (int j = 0; j < n; ++j) amax = std::max(amax, std::fabs(x[j]));
  return amax;
}

// Quantizes n values with scale amax / 127 into q; returns the scale and the sum of q.
float quantize_absmax(const float* x, int n, std::int8_t* q, int* sum) {
  const float amax = abs_max(x, n);
  const float mul = amax != 0.0f ? 127.0f / amax : 0.0f;
  int s = 0;
  for (int j = 0; j < n; ++j) {
    q[j] = static_cast<std::int8_t>(nearest_int(x[j] * mul));
    s += q[j];
  }
  *sum = s;
  return amax / 127.0f;
}

}  // namespace

void quantize_row_q8_0(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ8_0*>(dst);
  for (std::int64_t b = 0; b < n / kQk; ++b) {
    int sum = 0;
    y[b].d = fp32_to_fp16(quantize_absmax(src + b * kQk, kQk, y[b].qs, &sum));
  }
}

void dequantize_row_q8_0(const void* src, float* dst, std::int64_t n) {
  const auto* x = static_cast<const BlockQ8_0*>(src);
  for (std::int64_t b = 0; b < n / kQk; ++b) {
    const float d = fp16_to_fp32(x[b].d);
    for (int j = 0; j < kQk; ++j) dst[b * kQk + j] = d * static_cast<float>(x[b].qs[j]);
  }
}

void quantize_row_q8_1(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ8_1*>(dst);
  for (std::int64_t b = 0; b < n / kQk; ++b) {
    int sum = 0;
    const float d = quantize_absmax(src + b * kQk, kQk, y[b].qs, &sum);
    y[b].d = fp32_to_fp16(d);
    y[b].s = fp32_to_fp16(d * static_cast<float>(sum));
  }
}

void dequantize_row_q8_1(const void* src, float* dst, std::int64_t n) {
  const auto* x = static_cast<const BlockQ8_1*>(src);
  for (std::int64_t b = 0; b < n / kQk; ++b) {
    const float d = fp16_to_fp32(x[b].d);
    for (int j = 0; j < kQk; ++j) dst[b * kQk + j] = d * static_cast<float>(x[b].qs[j]);
  }
}

void quantize_row_q8_k(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ8_K*>(dst);
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    int sum = 0;
    y[b].d = quantize_absmax(src + b * kQkK, kQkK, y[b].qs, &sum);
    for (int i = 0; i < kQkK / 16; ++i) {
      int s = 0;
      for (int j = 0; j < 16; ++j) s += y[b].qs[16 * i + j];
      y[b].bsums[i] = static_cast<std::int16_t>(s);
    }
  }
}

void dequantize_row_q8_k(const void* src, float* dst, std::int64_t n) {
  const auto* x = static_cast<const BlockQ8_K*>(src);
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    for (int j = 0; j < kQkK; ++j) dst[b * kQkK + j] = x[b].d * static_cast<float>(x[b].qs[j]);
  }
}

float vec_dot_q8_0(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ8_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (std::int64_t b = 0; b < n / kQk; ++b) {
    int isum = 0;
    for (int j = 0; j < kQk; ++j) isum += x[b].qs[j] * y[b].qs[j];
    sum += fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d) * static_cast<float>(isum);
  }
  return sum;
}

}  // namespace sovra::kernels::ref
