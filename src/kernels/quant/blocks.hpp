#pragma once
// ggml's quantized block layouts, bit for bit, as GGUF files store them.
//
// Contract: every struct here is a plain byte layout (no padding, alignment 1 or 2 except Q8_K) whose size equals
// the block_bytes of gguf::traits() for the same type; a weight row of `n` elements is n / k*Block elements long
// and lies in memory exactly as llama.cpp writes it. `Half` fields hold IEEE binary16 bits (see half.hpp). The
// formulas that give each element's value are written next to each struct; the reference kernels in
// kernels/cpu/ref_*.cpp are their executable form. This header defines no functions on purpose: the AVX2
// translation units include it, and an inline function compiled there could be linked into portable code.
#include <cstdint>

namespace sovra::kernels {

using Half = std::uint16_t;  // IEEE 754 binary16 bits
using Bf16 = std::uint16_t;  // bfloat16 bits (the top half of a binary32)

inline constexpr int kQk = 32;    // elements per block of the legacy types (Q4_0 … Q8_1)
inline constexpr int kQkK = 256;  // elements per super-block of the K-quants
inline constexpr int kKScaleBytes = 12;

// x[j] = d * (int8)(nibble_j - 8); nibble j < 16 is qs[j] & 0xF, nibble j + 16 is qs[j] >> 4.
struct BlockQ4_0 {
  Half d;
  std::uint8_t qs[kQk / 2];
};

// x[j] = d * nibble_j + m; nibbles as in Q4_0.
struct BlockQ4_1 {
  Half d;
  Half m;
  std::uint8_t qs[kQk / 2];
};

// x[j] = d * ((nibble_j | bit_j << 4) - 16), bit_j = bit j of the little-endian uint32 qh.
struct BlockQ5_0 {
  Half d;
  std::uint8_t qh[4];
  std::uint8_t qs[kQk / 2];
};

// x[j] = d * (nibble_j | bit_j << 4) + m.
struct BlockQ5_1 {
  Half d;
  Half m;
  std::uint8_t qh[4];
  std::uint8_t qs[kQk / 2];
};

// x[j] = d * qs[j]. Also the activation encoding for the Q4_0, Q5_0 and Q8_0 dot products.
struct BlockQ8_0 {
  Half d;
  std::int8_t qs[kQk];
};

// x[j] = d * qs[j]; s = d * sum(qs). Activation encoding for the Q4_1 and Q5_1 dot products, whose min term
// needs the block sum.
struct BlockQ8_1 {
  Half d;
  Half s;
  std::int8_t qs[kQk];
};

// 16 sub-blocks of 16. scales[i] & 0xF scales and scales[i] >> 4 offsets sub-block i:
// x = d * (scales[i] & 0xF) * q - dmin * (scales[i] >> 4), q 2 bits. Element 128*h + 32*s + l (h < 2, s < 4,
// l < 32) has q = (qs[32*h + l] >> 2*s) & 3 and lies in sub-block 8*h + 2*s + l / 16.
struct BlockQ2_K {
  std::uint8_t scales[kQkK / 16];
  std::uint8_t qs[kQkK / 4];
  Half d;
  Half dmin;
};

// 16 sub-blocks of 16, x = d * (sc_i - 32) * (q - 4), q 3 bits: the low 2 bits are placed as in Q2_K, the high
// bit of element 128*h + 32*s + l is bit 4*h + s of hmask[l]. sc_i has 6 bits: the low 4 are scales[i] & 0xF
// (i < 8) or scales[i - 8] >> 4, the high 2 are (scales[8 + i % 4] >> 2*(i / 4)) & 3.
struct BlockQ3_K {
  std::uint8_t hmask[kQkK / 8];
  std::uint8_t qs[kQkK / 4];
  std::uint8_t scales[kKScaleBytes];
  Half d;
};

// 8 sub-blocks of 32, x = d * sc_i * q - dmin * m_i, q 4 bits: element 64*p + l (l < 32) is qs[32*p + l] & 0xF
// in sub-block 2p, element 64*p + 32 + l is qs[32*p + l] >> 4 in sub-block 2p + 1. sc_i and m_i have 6 bits:
// for i < 4 sc_i = scales[i] & 63, m_i = scales[i + 4] & 63; for i >= 4
// sc_i = (scales[i + 4] & 0xF) | (scales[i - 4] >> 6) << 4, m_i = (scales[i + 4] >> 4) | (scales[i] >> 6) << 4.
struct BlockQ4_K {
  Half d;
  Half dmin;
  std::uint8_t scales[kKScaleBytes];
  std::uint8_t qs[kQkK / 2];
};

// Q4_K plus a fifth bit: element 64*p + l has bit 2p of qh[l], element 64*p + 32 + l bit 2p + 1 of qh[l].
struct BlockQ5_K {
  Half d;
  Half dmin;
  std::uint8_t scales[kKScaleBytes];
  std::uint8_t qh[kQkK / 8];
  std::uint8_t qs[kQkK / 2];
};

// 16 sub-blocks of 16, x = d * scales[i] * (q - 32), q 6 bits. In half h (128 elements; ql += 64*h, qh += 32*h)
// element l < 32 is ql[l] & 0xF | (qh[l] & 3) << 4, element 32 + l is ql[32 + l] & 0xF | (qh[l] >> 2 & 3) << 4,
// element 64 + l is ql[l] >> 4 | (qh[l] >> 4 & 3) << 4 and element 96 + l is ql[32 + l] >> 4 | (qh[l] >> 6) << 4;
// element e of the super-block lies in sub-block e / 16.
struct BlockQ6_K {
  std::uint8_t ql[kQkK / 2];
  std::uint8_t qh[kQkK / 4];
  std::int8_t scales[kQkK / 16];
  Half d;
};

// Activation encoding for the K-quant dot products: x[j] = d * qs[j]; bsums[i] = sum of qs[16*i .. 16*i + 15].
struct BlockQ8_K {
  float d;
  std::int8_t qs[kQkK];
  std::int16_t bsums[kQkK / 16];
};

static_assert(sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20 && sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24 && sizeof(BlockQ8_0) == 34 && sizeof(BlockQ8_1) == 36);
static_assert(sizeof(BlockQ2_K) == 84 && sizeof(BlockQ3_K) == 110 && sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176 && sizeof(BlockQ6_K) == 210 && sizeof(BlockQ8_K) == 292);

}  // namespace sovra::kernels
