// Scalar reference kernels for Q6_K: 6-bit levels (4 bits in ql, 2 in qh), 16 sub-blocks of 16 with int8 scales.
#include "kernels/cpu/k_quant_super_block.hpp"
#include "kernels/cpu/ref.hpp"
#include "kernels/quant/half.hpp"

namespace sovra::kernels::ref {
namespace {

constexpr SymmetricLayout kLayout{.sub_blocks = 16, .sub_len = 16, .nmax = 32, .scale_max = 128};

}  // namespace

// Levels in [0, 63] (the value is level - 32), laid out as blocks.hpp describes.
void unpack_levels_q6_k(const void* block, std::uint8_t* q) {
  const auto& b = *static_cast<const BlockQ6_K*>(block);
  for (std::ptrdiff_t h = 0; h < 2; ++h) {
    const std::uint8_t* ql = b.ql + 64 * h;
    const std::uint8_t* qh = b.qh + 32 * h;
    std::uint8_t* out = q + 128 * h;
    for (int l = 0; l < 32; ++l) {
      out[l] = static_cast<std::uint8_t>((ql[l] & 0xF) | (qh[l] & 3) << 4);
      out[32 + l] = static_cast<std::uint8_t>((ql[32 + l] & 0xF) | ((qh[l] >> 2) & 3) << 4);
      out[64 + l] = static_cast<std::uint8_t>((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4);
      out[96 + l] = static_cast<std::uint8_t>((ql[32 + l] >> 4) | (qh[l] >> 6) << 4);
    }
  }
}

void pack_levels_q6_k(const std::uint8_t* q, void* block) {
  auto& b = *static_cast<BlockQ6_K*>(block);
  for (std::ptrdiff_t h = 0; h < 2; ++h) {
    std::uint8_t* ql = b.ql + 64 * h;
    std::uint8_t* qh = b.qh + 32 * h;
    const std::uint8_t* in = q + 128 * h;
    for (int l = 0; l < 32; ++l) {
      ql[l] = static_cast<std::uint8_t>((in[l] & 0xF) | (in[64 + l] & 0xF) << 4);
      ql[32 + l] = static_cast<std::uint8_t>((in[32 + l] & 0xF) | (in[96 + l] & 0xF) << 4);
      qh[l] = static_cast<std::uint8_t>((in[l] >> 4) | (in[32 + l] >> 4) << 2 | (in[64 + l] >> 4) << 4 |
                                        (in[96 + l] >> 4) << 6);
    }
  }
}

void quantize_row_q6_k(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ6_K*>(dst);
  SymmetricSuperBlock sb;
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    quantize_symmetric(src + b * kQkK, kLayout, &sb);
    BlockQ6_K& out = y[b];
    out = BlockQ6_K{};
    out.d = sb.d;
    for (int i = 0; i < 16; ++i) out.scales[i] = sb.scales[i];
    std::uint8_t levels[kQkK];
    for (int e = 0; e < kQkK; ++e) levels[e] = static_cast<std::uint8_t>(sb.q[e] + 32);
    pack_levels_q6_k(levels, &out);
  }
}

void dequantize_row_q6_k(const void* src, float* dst, std::int64_t n) {
  const auto* x = static_cast<const BlockQ6_K*>(src);
  std::uint8_t q[kQkK];
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    unpack_levels_q6_k(&x[b], q);
    const float d = fp16_to_fp32(x[b].d);
    for (int e = 0; e < kQkK; ++e) {
      const std::int8_t scale = x[b].scales[e / 16];
      dst[b * kQkK + e] = d * static_cast<float>(scale) * static_cast<float>(q[e] - 32);
    }
  }
}

float vec_dot_q6_k(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ6_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  std::uint8_t q[kQkK];
  float sum = 0.0f;
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    unpack_levels_q6_k(&x[b], q);
    int isum = 0;
    for (int i = 0; i < 16; ++i) {
      int sub = 0;
      for (int e = 16 * i; e < 16 * i + 16; ++e) sub += (q[e] - 32) * y[b].qs[e];
      isum += x[b].scales[i] * sub;
    }
    sum += y[b].d * fp16_to_fp32(x[b].d) * static_cast<float>(isum);
  }
  return sum;
}

}  // namespace sovra::kernels::ref
