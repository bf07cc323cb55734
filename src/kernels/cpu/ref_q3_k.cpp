// Scalar reference kernels for Q3_K: 3-bit levels (2 bits in qs, 1 in hmask), 16 sub-blocks of 16 with signed
// 6-bit scales.
#include "kernels/cpu/k_quant_super_block.hpp"
#include "kernels/cpu/ref.hpp"
#include "kernels/quant/half.hpp"

namespace sovra::kernels::ref {
namespace {

constexpr SymmetricLayout kLayout{.sub_blocks = 16, .sub_len = 16, .nmax = 4, .scale_max = 32};

// Levels in [0, 7]; the value is level - 4.
void unpack_levels(const BlockQ3_K& b, int* q) {
  for (int h = 0; h < 2; ++h) {
    for (int s = 0; s < 4; ++s) {
      for (int l = 0; l < 32; ++l) {
        q[128 * h + 32 * s + l] = ((b.qs[32 * h + l] >> (2 * s)) & 3) | ((b.hmask[l] >> (4 * h + s)) & 1) << 2;
      }
    }
  }
}

// Signed scales in [-32, 31].
void unpack_scales(const BlockQ3_K& b, int* sc) {
  for (int i = 0; i < 16; ++i) {
    const int low = i < 8 ? b.scales[i] & 0xF : b.scales[i - 8] >> 4;
    const int high = (b.scales[8 + i % 4] >> (2 * (i / 4))) & 3;
    sc[i] = (low | high << 4) - 32;
  }
}

}  // namespace

void quantize_row_q3_k(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ3_K*>(dst);
  SymmetricSuperBlock sb;
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    quantize_symmetric(src + b * kQkK, kLayout, &sb);
    BlockQ3_K& out = y[b];
    out = BlockQ3_K{};
    out.d = sb.d;
    for (int i = 0; i < 16; ++i) {
      const int sc = sb.scales[i] + 32;
      out.scales[i % 8] |= static_cast<std::uint8_t>((sc & 0xF) << (i < 8 ? 0 : 4));
      out.scales[8 + i % 4] |= static_cast<std::uint8_t>((sc >> 4) << (2 * (i / 4)));
    }
    for (int h = 0; h < 2; ++h) {
      for (int s = 0; s < 4; ++s) {
        for (int l = 0; l < 32; ++l) {
          const int level = sb.q[128 * h + 32 * s + l] + 4;
          out.qs[32 * h + l] |= static_cast<std::uint8_t>((level & 3) << (2 * s));
          out.hmask[l] |= static_cast<std::uint8_t>((level >> 2) << (4 * h + s));
        }
      }
    }
  }
}

void dequantize_row_q3_k(const void* src, float* dst, std::int64_t n) {
  const auto* x = static_cast<const BlockQ3_K*>(src);
  int q[kQkK];
  int sc[16];
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    unpack_levels(x[b], q);
    unpack_scales(x[b], sc);
    const float d = fp16_to_fp32(x[b].d);
    for (int e = 0; e < kQkK; ++e) {
      const int scale = sc[e / 16];
      dst[b * kQkK + e] = d * static_cast<float>(scale) * static_cast<float>(q[e] - 4);
    }
  }
}

float vec_dot_q3_k(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ3_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  int q[kQkK];
  int sc[16];
  float sum = 0.0f;
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    unpack_levels(x[b], q);
    unpack_scales(x[b], sc);
    int isum = 0;
    for (int i = 0; i < 16; ++i) {
      int sub = 0;
      for (int e = 16 * i; e < 16 * i + 16; ++e) sub += (q[e] - 4) * y[b].qs[e];
      isum += sc[i] * sub;
    }
    sum += y[b].d * fp16_to_fp32(x[b].d) * static_cast<float>(isum);
  }
  return sum;
}

}  // namespace sovra::kernels::ref
