#pragma once
// Exact conversions between binary32 and the two 16-bit float formats GGUF stores (IEEE binary16, bfloat16).
//
// Contract: fp16_to_fp32 and bf16_to_fp32 are exact (every 16-bit value is a binary32 value; NaN payloads are
// kept). fp32_to_fp16 and fp32_to_bf16 round to nearest, ties to even, as F16C's VCVTPS2PH with imm 0 does:
// values from 65520 up become infinity, values below half of the smallest binary16 subnormal become (signed)
// zero, NaN stays NaN (quiet). Portable code only: the SIMD kernels use the F16C instructions themselves, so
// these inline functions are never compiled with -mf16c into a shared COMDAT.
#include <bit>
#include <cstdint>

#include "kernels/quant/blocks.hpp"

namespace sovra::kernels {

inline float fp16_to_fp32(Half h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1Fu;
  const std::uint32_t mant = h & 0x3FFu;
  if (exp == 0x1F) return std::bit_cast<float>(sign | 0x7F800000u | mant << 13);  // inf, NaN
  if (exp != 0) return std::bit_cast<float>(sign | (exp + 112) << 23 | mant << 13);
  // Zero or subnormal: mant * 2^-24, exact in binary32.
  const float magnitude = static_cast<float>(mant) * 0x1p-24f;
  return std::bit_cast<float>(sign | std::bit_cast<std::uint32_t>(magnitude));
}

inline Half fp32_to_fp16(float f) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(f);
  const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
  const std::uint32_t abs = bits & 0x7FFFFFFFu;
  if (abs > 0x7F800000u) return static_cast<Half>(sign | 0x7E00u | ((abs >> 13) & 0x3FFu));  // NaN, quiet
  if (abs >= 0x477FF000u) return static_cast<Half>(sign | 0x7C00u);  // >= 65520 (and inf): infinity
  if (abs < 0x38800000u) {
    // Below 2^-14: a subnormal half, mant = round(|f| * 2^24). Scaling by 2^24 is exact; adding 1.5 * 2^23
    // rounds to an integer (ties to even) because the sum lies in [2^23, 2^24). mant may reach 0x400, the
    // smallest normal, whose encoding is the same number.
    const float scaled = std::bit_cast<float>(abs) * 0x1p24f + 12582912.0f;
    return static_cast<Half>(sign | (std::bit_cast<std::uint32_t>(scaled) & 0x7FFu));
  }
  // Normal: drop 13 mantissa bits with round-half-even; a carry moves into the exponent as it should.
  const std::uint32_t rounded = abs + 0xFFFu + ((abs >> 13) & 1u);
  return static_cast<Half>(sign | ((rounded >> 13) - (112u << 10)));
}

inline float bf16_to_fp32(Bf16 b) { return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16); }

inline Bf16 fp32_to_bf16(float f) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(f);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<Bf16>((bits >> 16) | 0x40u);  // NaN, quiet
  return static_cast<Bf16>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

}  // namespace sovra::kernels
