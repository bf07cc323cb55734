#pragma once
// Q4_0 weights repacked at load for the generation path: 16 rows interleaved so that one 64-byte load holds 4
// elements of each of 16 rows, and an integer dot-product instruction (VPDPBUSD) yields 16 rows' partial sums at
// once — no per-block shuffles, no horizontal sums. The repacked matrix has exactly the bytes of the GGUF one.
//
// Layout (WeightLayout::kQ4_0x16) of a [rows, cols] Q4_0 matrix with nb = cols / 32 blocks per row:
//   groups g = 0 .. rows / 16 - 1, each kPackedGroupRows rows, nb * 288 bytes:
//     nb * 256 bytes of levels: for block b, 4 slices m = 0..3 of 64 bytes; slice m, bytes 4i..4i+3 are
//       qs[4m .. 4m+3] of row 16g + i's block b (low nibble: element 4m + k; high nibble: element 16 + 4m + k);
//     nb * 32 bytes of scales: for block b, the fp16 d of rows 16g + 0 .. 16g + 15.
//   then the rows % 16 remaining rows in plain GGUF Q4_0 row layout.
// Contract: repack_q4_0_x16 and unpack_row_q4_0_x16 are exact inverses (byte for byte); both portable.
// Preconditions: type Q4_0, cols a positive multiple of 32, dst holds packed_bytes(w) bytes, no overlap.
#include <cstdint>

#include "kernels/matmul.hpp"

namespace sovra::kernels {

inline constexpr std::int64_t kPackedGroupRows = 16;

// Whether matmul has a fast kernel for w in the packed layout on this CPU now (AVX-512 VNNI, not disabled, not
// forced to the reference kernels), so that packing it at load pays off. Packed weights work without one, slowly.
bool packing_pays_off(const WeightView& w);

// Bytes of w in either layout (rows * row_bytes).
std::int64_t packed_bytes(const WeightView& w);

// Writes w (GGUF row layout) into dst in the kQ4_0x16 layout, sharing the rows among pool's threads.
void repack_q4_0_x16(const WeightView& w, void* dst, ThreadPool& pool);

// Row r of a kQ4_0x16 matrix in plain GGUF row layout (row_bytes(Q4_0, cols) bytes) into dst.
void unpack_row_q4_0_x16(const WeightView& w, std::int64_t r, void* dst);

}  // namespace sovra::kernels
