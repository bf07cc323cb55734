#pragma once
// Shared by the packed AVX-512 VNNI kernels (avx512_*_x16.cpp) only: compiled with their flags, included after
// <immintrin.h>. Internal linkage throughout, so no definition here ever meets one compiled with other flags.
#include <cstdint>

namespace sovra::kernels::avx512 {
namespace {

// acc + (unsigned bytes of w) . (the 4 signed bytes at p, in every lane), per 32-bit lane, with the broadcast folded
// into the instruction's memory operand ({1to16}). GCC 12 emits a separate VPBROADCASTD for
// _mm512_dpbusd_epi32(acc, w, _mm512_set1_epi32(x)): one more micro-op per VPDPBUSD in the inner loops (measured:
// ~8% of a batched decode step).
inline __m512i dpbusd_bcast(__m512i acc, __m512i w, const std::int8_t* p) {
  __asm__("vpdpbusd %2%{1to16%}, %1, %0" : "+v"(acc) : "v"(w), "m"(*reinterpret_cast<const char(*)[4]>(p)));
  return acc;
}

// acc + (unsigned bytes of w) . (signed bytes of x), per 32-bit lane, x already in a register: for a broadcast
// that feeds several products (GCC would otherwise fold a one-use load back into each instruction).
inline __m512i dpbusd(__m512i acc, __m512i w, __m512i x) {
  __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(w), "v"(x));
  return acc;
}

// The 4 bytes at p in every 32-bit lane (one VPBROADCASTD from memory: a load, no shuffle).
inline __m512i broadcast4(const std::int8_t* p) {
  __m512i r;
  __asm__("vpbroadcastd %1, %0" : "=v"(r) : "m"(*reinterpret_cast<const char(*)[4]>(p)));
  return r;
}

// A micro-kernel for t activation rows over one 16-row group: (blocks, group, activations, activation stride,
// y, y stride).
using MicroFn = void (*)(std::int64_t, const std::uint8_t*, const std::uint8_t*, std::int64_t, float*, std::int64_t);

// The gemm16 contract of kernel_table.hpp on top of micro-kernels for 1..N tokens (micro[t - 1] takes t): token
// blocks of N, the last one smaller.
template <int N>
void run_token_blocks(const MicroFn (&micro)[N], std::int64_t blocks, const void* group, const void* a,
                      std::int64_t a_stride, std::int64_t n_tokens, float* y, std::int64_t y_stride) {
  const auto* g = static_cast<const std::uint8_t*>(group);
  const auto* ab = static_cast<const std::uint8_t*>(a);
  for (std::int64_t t0 = 0; t0 < n_tokens; t0 += N) {
    const int nt = static_cast<int>(n_tokens - t0 < N ? n_tokens - t0 : N);
    micro[nt - 1](blocks, g, ab + t0 * a_stride, a_stride, y + t0 * y_stride, y_stride);
  }
}

// The same, the tokens split into the fewest passes of at most N, as even as they come (9 tokens with N = 8: 5 + 4,
// not 8 + 1: a small pass costs more per token than a large one).
template <int N>
void run_even_token_blocks(const MicroFn (&micro)[N], std::int64_t blocks, const void* group, const void* a,
                           std::int64_t a_stride, std::int64_t n_tokens, float* y, std::int64_t y_stride) {
  const auto* g = static_cast<const std::uint8_t*>(group);
  const auto* ab = static_cast<const std::uint8_t*>(a);
  const std::int64_t passes = (n_tokens + N - 1) / N;
  for (std::int64_t p = 0, t0 = 0; p < passes; ++p) {
    const std::int64_t nt = (n_tokens - t0) / (passes - p);  // the later passes take the remainder's extra tokens
    micro[nt - 1](blocks, g, ab + t0 * a_stride, a_stride, y + t0 * y_stride, y_stride);
    t0 += nt;
  }
}

// Software prefetch of `bytes` bytes at p, line by line (the kernels call it a few blocks ahead for every token
// count: with several tokens a block takes long enough that the hardware prefetcher alone lets them wait).
inline void prefetch_lines(const std::uint8_t* p, int bytes) {
  for (int l = 0; l < bytes; l += 64) _mm_prefetch(reinterpret_cast<const char*>(p + l), _MM_HINT_T0);
}

// The same into L2 only (prefetcht1), for a second, longer distance: more lines in flight than the L1's miss
// buffers allow, so the weight stream keeps up while the dot products run (measured: the 8-token pass over
// 5632x2048 Q4_0 streamed from memory 4-8% faster with 64 blocks into L2 on top of 16 into L1; an 8-sequence
// decode step ~10% faster). Not for one token: the mat-vec keeps the memory busy on its own, and the extra
// prefetches made it ~9% slower.
inline void prefetch_lines_l2(const std::uint8_t* p, int bytes) {
  for (int l = 0; l < bytes; l += 64) _mm_prefetch(reinterpret_cast<const char*>(p + l), _MM_HINT_T1);
}

}  // namespace
}  // namespace sovra::kernels::avx512
