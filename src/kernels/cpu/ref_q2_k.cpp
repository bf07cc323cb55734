// Scalar reference kernels for Q2_K: 2-bit levels, 16 sub-blocks of 16 with 4-bit scales and mins.
#include "kernels/cpu/k_quant_super_block.hpp"
#include "kernels/cpu/ref.hpp"
#include "kernels/quant/half.hpp"

namespace sovra::kernels::ref {
namespace {

constexpr AsymmetricLayout kLayout{.sub_blocks = 16, .sub_len = 16, .nmax = 3, .scale_max = 15};

void unpack_levels(const BlockQ2_K& b, int* q) {
  for (int h = 0; h < 2; ++h) {
    for (int s = 0; s < 4; ++s) {
      for (int l = 0; l < 32; ++l) q[128 * h + 32 * s + l] = (b.qs[32 * h + l] >> (2 * s)) & 3;
    }
  }
}

}  // namespace

void quantize_row_q2_k(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ2_K*>(dst);
  AsymmetricSuperBlock sb;
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    quantize_asymmetric(src + b * kQkK, kLayout, &sb);
    BlockQ2_K& out = y[b];
    out = BlockQ2_K{};
    out.d = sb.d;
    out.dmin = sb.dmin;
    for (int i = 0; i < 16; ++i) out.scales[i] = static_cast<std::uint8_t>(sb.scales[i] | sb.mins[i] << 4);
    for (int h = 0; h < 2; ++h) {
      for (int s = 0; s < 4; ++s) {
        for (int l = 0; l < 32; ++l)
          out.qs[32 * h + l] |= static_cast<std::uint8_t>(sb.q[128 * h + 32 * s + l] << (2 * s));
      }
    }
  }
}

void dequantize_row_q2_k(const void* src, float* dst, std::int64_t n) {
  const auto* x = static_cast<const BlockQ2_K*>(src);
  int q[kQkK];
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    unpack_levels(x[b], q);
    const float d = fp16_to_fp32(x[b].d);
    const float dmin = fp16_to_fp32(x[b].dmin);
    for (int e = 0; e < kQkK; ++e) {
      const std::uint8_t sc = x[b].scales[e / 16];
      dst[b * kQkK + e] =
          d * static_cast<float>(sc & 0xF) * static_cast<float>(q[e]) - dmin * static_cast<float>(sc >> 4);
    }
  }
}

float vec_dot_q2_k(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ2_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  int q[kQkK];
  float sum = 0.0f;
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    unpack_levels(x[b], q);
    int isum = 0;
    int imin = 0;
    for (int i = 0; i < 16; ++i) {
      int sub = 0;
      for (int e = 16 * i; e < 16 * i + 16; ++e) sub += q[e] * y[b].qs[e];
      isum += (x[b].scales[i] & 0xF) * sub;
      imin += (x[b].scales[i] >> 4) * y[b].bsums[i];
    }
    sum += y[b].d * fp16_to_fp32(x[b].d) * static_cast<float>(isum) -
           y[b].d * fp16_to_fp32(x[b].dmin) * static_cast<float>(imin);
  }
  return sum;
}

}  // namespace sovra::kernels::ref
