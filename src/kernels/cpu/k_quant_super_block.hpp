#pragma once
// Quantization of one K-quant super-block (256 values) into integer levels, integer sub-block scales (and mins)
// and the fp16 super-block scale(s), ready to be packed into Q2_K … Q6_K.
//
// Contract: portable, deterministic, scalar quantizers only. Sub-block scales come from the least-squares
// searches of k_quant_fit.hpp, are rounded onto the integer grid the format stores, and the super-block scales
// are then refitted by least squares; every level is finally re-rounded against the fp16 values a reader will
// decode, so the packed block reproduces the error the search measured.
#include <cstdint>

#include "kernels/quant/blocks.hpp"

namespace sovra::kernels::ref {

inline constexpr int kMaxSubBlocks = 16;

// x = d * scales[i] * q - dmin * mins[i], q in [0, nmax], scales and mins in [0, scale_max].
struct AsymmetricLayout {
  int sub_blocks = 0;  // sub_blocks * sub_len == kQkK
  int sub_len = 0;
  int nmax = 0;
  int scale_max = 0;
};

struct AsymmetricSuperBlock {
  Half d = 0;
  Half dmin = 0;
  std::uint8_t scales[kMaxSubBlocks] = {};
  std::uint8_t mins[kMaxSubBlocks] = {};
  std::uint8_t q[kQkK] = {};
};

void quantize_asymmetric(const float* x, const AsymmetricLayout& layout, AsymmetricSuperBlock* out);

// x = d * scales[i] * q, q in [-nmax, nmax - 1], scales in [-scale_max, scale_max - 1].
struct SymmetricLayout {
  int sub_blocks = 0;
  int sub_len = 0;
  int nmax = 0;
  int scale_max = 0;
};

struct SymmetricSuperBlock {
  Half d = 0;
  std::int8_t scales[kMaxSubBlocks] = {};
  std::int8_t q[kQkK] = {};
};

void quantize_symmetric(const float* x, const SymmetricLayout& layout, SymmetricSuperBlock* out);

}  // namespace sovra::kernels::ref
