// Scalar reference kernels for Q4_K and Q5_K: 4-bit levels (plus a fifth bit in qh for Q5_K), 8 sub-blocks of 32
// with 6-bit scales and mins packed into 12 bytes.
#include "kernels/cpu/k_quant_super_block.hpp"
#include "kernels/cpu/ref.hpp"
#include "kernels/quant/half.hpp"

namespace sovra::kernels::ref {
namespace {

constexpr AsymmetricLayout kLayoutQ4{.sub_blocks = 8, .sub_len = 32, .nmax = 15, .scale_max = 63};
constexpr AsymmetricLayout kLayoutQ5{.sub_blocks = 8, .sub_len = 32, .nmax = 31, .scale_max = 63};

// Levels of Q4_K (qh == nullptr) or Q5_K.
void unpack_levels(const std::uint8_t* qs, const std::uint8_t* qh, int* q) {
  for (int p = 0; p < 4; ++p) {
    for (int l = 0; l < 32; ++l) {
      const int high = qh != nullptr ? qh[l] >> (2 * p) : 0;
      q[64 * p + l] = (qs[32 * p + l] & 0xF) | (high & 1) << 4;
      q[64 * p + 32 + l] = (qs[32 * p + l] >> 4) | ((high >> 1) & 1) << 4;
    }
  }
}

void pack_levels(const std::uint8_t* q, std::uint8_t* qs, std::uint8_t* qh) {
  for (int p = 0; p < 4; ++p) {
    for (int l = 0; l < 32; ++l) {
      const int lo = q[64 * p + l];
      const int hi = q[64 * p + 32 + l];
      qs[32 * p + l] = static_cast<std::uint8_t>((lo & 0xF) | (hi & 0xF) << 4);
      if (qh != nullptr) qh[l] |= static_cast<std::uint8_t>(((lo >> 4) | (hi >> 4) << 1) << (2 * p));
    }
  }
}

template <typename Block>
const std::uint8_t* high_bits(const Block& b) {
  if constexpr (sizeof(Block) == sizeof(BlockQ5_K)) {
    return b.qh;
  } else {
    return nullptr;
  }
}

template <typename Block>
void quantize_row(const float* src, void* dst, std::int64_t n, const AsymmetricLayout& layout) {
  auto* y = static_cast<Block*>(dst);
  AsymmetricSuperBlock sb;
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    quantize_asymmetric(src + b * kQkK, layout, &sb);
    Block& out = y[b];
    out = Block{};
    out.d = sb.d;
    out.dmin = sb.dmin;
    pack_scales_q4_k(sb.scales, sb.mins, out.scales);
    std::uint8_t* qh = nullptr;
    if constexpr (sizeof(Block) == sizeof(BlockQ5_K)) qh = out.qh;
    pack_levels(sb.q, out.qs, qh);
  }
}

template <typename Block>
void dequantize_row(const void* src, float* dst, std::int64_t n) {
  const auto* x = static_cast<const Block*>(src);
  int q[kQkK];
  std::uint8_t sc[8];
  std::uint8_t m[8];
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    unpack_scales_q4_k(x[b].scales, sc, m);
    unpack_levels(x[b].qs, high_bits(x[b]), q);
    const float d = fp16_to_fp32(x[b].d);
    const float dmin = fp16_to_fp32(x[b].dmin);
    for (int e = 0; e < kQkK; ++e) {
      const int i = e / 32;
      dst[b * kQkK + e] = d * static_cast<float>(sc[i]) * static_cast<float>(q[e]) - dmin * static_cast<float>(m[i]);
    }
  }
}

template <typename Block>
float vec_dot(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  int q[kQkK];
  std::uint8_t sc[8];
  std::uint8_t m[8];
  float sum = 0.0f;
  for (std::int64_t b = 0; b < n / kQkK; ++b) {
    unpack_scales_q4_k(x[b].scales, sc, m);
    unpack_levels(x[b].qs, high_bits(x[b]), q);
    int isum = 0;
    int imin = 0;
    for (int i = 0; i < 8; ++i) {
      int sub = 0;
      for (int e = 32 * i; e < 32 * i + 32; ++e) sub += q[e] * y[b].qs[e];
      isum += sc[i] * sub;
      const std::int16_t* pair = y[b].bsums + static_cast<std::ptrdiff_t>(2) * i;
      imin += m[i] * (pair[0] + pair[1]);
    }
    sum += y[b].d * fp16_to_fp32(x[b].d) * static_cast<float>(isum) -
           y[b].d * fp16_to_fp32(x[b].dmin) * static_cast<float>(imin);
  }
  return sum;
}

}  // namespace

void unpack_scales_q4_k(const std::uint8_t* p, std::uint8_t* sc, std::uint8_t* m) {
  for (int i = 0; i < 4; ++i) {
    sc[i] = p[i] & 63;
    m[i] = p[i + 4] & 63;
    sc[i + 4] = static_cast<std::uint8_t>((p[i + 8] & 0xF) | (p[i] >> 6) << 4);
    m[i + 4] = static_cast<std::uint8_t>((p[i + 8] >> 4) | (p[i + 4] >> 6) << 4);
  }
}

void pack_scales_q4_k(const std::uint8_t* sc, const std::uint8_t* m, std::uint8_t* p) {
  for (int i = 0; i < 4; ++i) {
    p[i] = static_cast<std::uint8_t>(sc[i] | (sc[i + 4] >> 4) << 6);
    p[i + 4] = static_cast<std::uint8_t>(m[i] | (m[i + 4] >> 4) << 6);
    p[i + 8] = static_cast<std::uint8_t>((sc[i + 4] & 0xF) | (m[i + 4] & 0xF) << 4);
  }
}

void quantize_row_q4_k(const float* src, void* dst, std::int64_t n) { quantize_row<BlockQ4_K>(src, dst, n, kLayoutQ4); }
void quantize_row_q5_k(const float* src, void* dst, std::int64_t n) { quantize_row<BlockQ5_K>(src, dst, n, kLayoutQ5); }
void dequantize_row_q4_k(const void* src, float* dst, std::int64_t n) { dequantize_row<BlockQ4_K>(src, dst, n); }
void dequantize_row_q5_k(const void* src, float* dst, std::int64_t n) { dequantize_row<BlockQ5_K>(src, dst, n); }
float vec_dot_q4_k(std::int64_t n, const void* w, const void* a) { return vec_dot<BlockQ4_K>(n, w, a); }
float vec_dot_q5_k(std::int64_t n, const void* w, const void* a) { return vec_dot<BlockQ5_K>(n, w, a); }

}  // namespace sovra::kernels::ref
