// Scalar reference kernels for the legacy 4- and 5-bit types: Q4_0, Q4_1, Q5_0, Q5_1.
//
// Quantizers: absmax (the value of largest magnitude maps to the most negative level, -8 or -16) for the _0
// types, min-max for the _1 types; levels are computed against the fp16-rounded scale and min that the block
// will actually store.
#include <cfloat>
#include <cmath>

#include "kernels/cpu/ref.hpp"
#include "kernels/cpu/ref_util.hpp"
#include "kernels/quant/half.hpp"

namespace sovra::kernels::ref {
namespace {

constexpr int kHalf = kQk / 2;

// Levels 0..31 of a block: nibbles from qs, fifth bits from qh (nullptr: none).
void unpack_levels(const std::uint8_t* qs, const std::uint8_t* qh, int* q) {
  const std::uint32_t high = qh != nullptr ? load_u32(qh) : 0u;
  for (int j = 0; j < kHalf; ++j) {
    q[j] = (qs[j] & 0x0F) | static_cast<int>((high >> j) & 1u) << 4;
    q[j + kHalf] = (qs[j] >> 4) | static_cast<int>((high >> (j + kHalf)) & 1u) << 4;
  }
}

// Packs levels (4 or 5 bits) into qs and, for 5-bit levels, qh.
void pack_levels(const int* q, std::uint8_t* qs, std::uint8_t* qh) {
  std::uint32_t high = 0;
  for (int j = 0; j < kHalf; ++j) {
    qs[j] = static_cast<std::uint8_t>((q[j] & 0x0F) | (q[j + kHalf] & 0x0F) << 4);
    high |= static_cast<std::uint32_t>((q[j] >> 4) & 1) << j;
    high |= static_cast<std::uint32_t>((q[j + kHalf] >> 4) & 1) << (j + kHalf);
  }
  if (qh != nullptr) store_u32(qh, high);
}

// Symmetric: x = d * (q - offset), q in [0, 2*offset - 1]; the extreme value gets level 0. Returns d.
Half quantize_signed_block(const float* x, int offset, int* q) {
  float extreme = 0.0f;
  for (int j = 0; j < kQk; ++j) {
    if (std::fabs(x[j]) > std::fabs(extreme)) extreme = x[j];
  }
  const Half d = fp32_to_fp16(extreme / static_cast<float>(-offset));
  const float d32 = fp16_to_fp32(d);
  const float inv = d32 != 0.0f ? 1.0f / d32 : 0.0f;
  for (int j = 0; j < kQk; ++j) q[j] = clamp_int(nearest_int(x[j] * inv) + offset, 0, 2 * offset - 1);
  return d;
}

// Asymmetric: x = d * q + m, q in [0, levels - 1].
void quantize_min_max_block(const float* x, int levels, int* q, Half* d_out, Half* m_out) {
  float lo = FLT_MAX;
  float hi = -FLT_MAX;
  for (int j = 0; j < kQk; ++j) {
    lo = std::min(lo, x[j]);
    hi = std::max(hi, x[j]);
  }
  *d_out = fp32_to_fp16((hi - lo) / static_cast<float>(levels - 1));
  *m_out = fp32_to_fp16(lo);
  const float d32 = fp16_to_fp32(*d_out);
  const float m32 = fp16_to_fp32(*m_out);
  const float inv = d32 != 0.0f ? 1.0f / d32 : 0.0f;
  for (int j = 0; j < kQk; ++j) q[j] = clamp_int(nearest_int((x[j] - m32) * inv), 0, levels - 1);
}

template <typename Block>
concept HasHighBits = requires(const Block& blk) {
  blk.qh;
};
template <typename Block>
concept HasMin = requires(const Block& blk) {
  blk.m;
};

template <typename Block>
void unpack_block(const Block& blk, int* q) {
  if constexpr (HasHighBits<Block>) {
    unpack_levels(blk.qs, blk.qh, q);
  } else {
    unpack_levels(blk.qs, nullptr, q);
  }
}

template <typename Block>
void dequantize_legacy(const void* src, float* dst, std::int64_t n, int offset) {
  const auto* x = static_cast<const Block*>(src);
  int q[kQk];
  for (std::int64_t b = 0; b < n / kQk; ++b) {
    unpack_block(x[b], q);
    const float d = fp16_to_fp32(x[b].d);
    if constexpr (HasMin<Block>) {
      const float m = fp16_to_fp32(x[b].m);
      for (int j = 0; j < kQk; ++j) dst[b * kQk + j] = d * static_cast<float>(q[j]) + m;
    } else {
      for (int j = 0; j < kQk; ++j) dst[b * kQk + j] = d * static_cast<float>(q[j] - offset);
    }
  }
}

// Weights with an implicit offset (Q4_0, Q5_0) against Q8_0 activations.
template <typename Block>
float dot_offset(std::int64_t n, const void* w, const void* a, int offset) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  int q[kQk];
  float sum = 0.0f;
  for (std::int64_t b = 0; b < n / kQk; ++b) {
    unpack_block(x[b], q);
    int isum = 0;
    for (int j = 0; j < kQk; ++j) isum += (q[j] - offset) * y[b].qs[j];
    sum += fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d) * static_cast<float>(isum);
  }
  return sum;
}

// Weights with a stored min (Q4_1, Q5_1) against Q8_1 activations: the min multiplies the block sum s.
template <typename Block>
float dot_min(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(a);
  int q[kQk];
  float sum = 0.0f;
  for (std::int64_t b = 0; b < n / kQk; ++b) {
    unpack_block(x[b], q);
    int isum = 0;
    for (int j = 0; j < kQk; ++j) isum += q[j] * y[b].qs[j];
    sum += fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d) * static_cast<float>(isum) +
           fp16_to_fp32(x[b].m) * fp16_to_fp32(y[b].s);
  }
  return sum;
}

}  // namespace

void quantize_row_q4_0(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ4_0*>(dst);
  int q[kQk];
  for (std::int64_t b = 0; b < n / kQk; ++b) {
    y[b].d = quantize_signed_block(src + b * kQk, 8, q);
    pack_levels(q, y[b].qs, nullptr);
  }
}

void quantize_row_q5_0(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ5_0*>(dst);
  int q[kQk];
  for (std::int64_t b = 0; b < n / kQk; ++b) {
    y[b].d = quantize_signed_block(src + b * kQk, 16, q);
    pack_levels(q, y[b].qs, y[b].qh);
  }
}

void quantize_row_q4_1(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ4_1*>(dst);
  int q[kQk];
  for (std::int64_t b = 0; b < n / kQk; ++b) {
    quantize_min_max_block(src + b * kQk, 16, q, &y[b].d, &y[b].m);
    pack_levels(q, y[b].qs, nullptr);
  }
}

void quantize_row_q5_1(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ5_1*>(dst);
  int q[kQk];
  for (std::int64_t b = 0; b < n / kQk; ++b) {
    quantize_min_max_block(src + b * kQk, 32, q, &y[b].d, &y[b].m);
    pack_levels(q, y[b].qs, y[b].qh);
  }
}

void dequantize_row_q4_0(const void* src, float* dst, std::int64_t n) { dequantize_legacy<BlockQ4_0>(src, dst, n, 8); }
void dequantize_row_q5_0(const void* src, float* dst, std::int64_t n) { dequantize_legacy<BlockQ5_0>(src, dst, n, 16); }
void dequantize_row_q4_1(const void* src, float* dst, std::int64_t n) { dequantize_legacy<BlockQ4_1>(src, dst, n, 0); }
void dequantize_row_q5_1(const void* src, float* dst, std::int64_t n) { dequantize_legacy<BlockQ5_1>(src, dst, n, 0); }

float vec_dot_q4_0(std::int64_t n, const void* w, const void* a) { return dot_offset<BlockQ4_0>(n, w, a, 8); }
float vec_dot_q5_0(std::int64_t n, const void* w, const void* a) { return dot_offset<BlockQ5_0>(n, w, a, 16); }
float vec_dot_q4_1(std::int64_t n, const void* w, const void* a) { return dot_min<BlockQ4_1>(n, w, a); }
float vec_dot_q5_1(std::int64_t n, const void* w, const void* a) { return dot_min<BlockQ5_1>(n, w, a); }

}  // namespace sovra::kernels::ref
