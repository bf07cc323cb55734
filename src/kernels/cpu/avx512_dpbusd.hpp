#pragma once
// For the AVX-512 VNNI units only (compiled with their flags; include after <immintrin.h>): VPDPBUSD against 4
// bytes broadcast from memory to every lane, with the broadcast folded into the instruction ({1to16}). GCC 12
// emits a separate VPBROADCASTD for _mm512_dpbusd_epi32(acc, w, _mm512_set1_epi32(x)), one more micro-op per
// VPDPBUSD in the packed kernels' inner loops (measured: ~8% of a batched decode step). Internal linkage, so the
// definition never meets one compiled with other flags.
#include <cstdint>

namespace sovra::kernels::avx512 {
namespace {

// acc + (unsigned bytes of w) . (the 4 signed bytes at p, in every lane), per 32-bit lane.
inline __m512i dpbusd_bcast(__m512i acc, __m512i w, const std::int8_t* p) {
  __asm__("vpdpbusd %2%{1to16%}, %1, %0" : "+v"(acc) : "v"(w), "m"(*reinterpret_cast<const char(*)[4]>(p)));
  return acc;
}

}  // namespace
}  // namespace sovra::kernels::avx512
