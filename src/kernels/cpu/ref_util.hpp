#pragma once
// Small helpers shared by the scalar reference kernels (kernels/cpu/ref_*.cpp) only.
//
// Contract: portable code; never include this from a translation unit compiled with SIMD flags (its inline
// functions would then be compiled with those flags into COMDATs that portable callers could link to).
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

namespace sovra::kernels::ref {

// Round to nearest, ties to even, for |v| < 2^22 (what VCVTPS2DQ does under the default MXCSR). Adding 1.5*2^23
// leaves the rounded integer in the low mantissa bits. Outside that range the result is meaningless but defined
// (no float-to-int conversion UB on NaN or huge inputs).
inline int nearest_int(float v) {
  const float shifted = v + 12582912.0f;
  return static_cast<int>(std::bit_cast<std::uint32_t>(shifted) & 0x007FFFFFu) - 0x00400000;
}

inline int clamp_int(int v, int lo, int hi) { return std::min(std::max(v, lo), hi); }

inline std::uint32_t load_u32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void store_u32(std::uint8_t* p, std::uint32_t v) { std::memcpy(p, &v, sizeof v); }

}  // namespace sovra::kernels::ref
