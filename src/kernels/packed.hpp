#pragma once
// Weights repacked at load for the AVX-512 VNNI kernels: 16 rows interleaved so that one 64-byte load holds 4
// levels of each of 16 rows, and an integer dot-product instruction (VPDPBUSD) against 4 activation levels
// broadcast to every lane yields 16 rows' partial sums at once: no per-block shuffles, no scale decoding per row,
// no horizontal sums. Rows past the last whole group of 16 stay in GGUF row layout after the groups.
//
// kQ4_0x16 (Q4_0, nb = cols / 32 blocks per row): a group is nb * 288 bytes, exactly its 16 GGUF rows' size:
//   nb * 256 bytes of levels: for block b, 4 slices m = 0..3 of 64 bytes; slice m, bytes 4i..4i+3 are
//     qs[4m .. 4m+3] of row i's block b (low nibble: element 4m + k; high nibble: element 16 + 4m + k);
//   nb * 32 bytes of scales: for block b, the fp16 d of rows 0 .. 15.
// kQ4_Kx16 (Q4_K, nb = cols / 256 super-blocks per row): a group is nb * 2368 bytes (16 GGUF rows: nb * 2304),
//   per super-block b, kQ4_KSuperBytes bytes:
//     2048 bytes of levels: for pair p = 0..3, 8 slices m of 64 bytes; slice (p, m), bytes 4i..4i+3 are
//       qs[32p + 4m .. +3] of row i (low nibble: element 4m + k of sub-block 2p; high nibble: of sub-block 2p + 1);
//     128 bytes of sub-block scales: byte 16s + i = scale of sub-block s of row i (6 bits, unpacked);
//     128 bytes of sub-block mins: for h = 0, 1: 64 bytes, bytes 4i..4i+3 = mins of sub-blocks 4h .. 4h+3 of row i;
//     32 bytes of fp16 d of rows 0..15, then 32 bytes of their fp16 dmin.
// kQ6_Kx16 (Q6_K, nb = cols / 256 super-blocks per row): a group is nb * 3360 bytes, exactly its 16 GGUF rows'
//   size; per super-block, with levels q in [0, 63] taken in groups of 4 elements (group n = elements 4n..4n+3):
//     2048 bytes: 32 slices m of 64 bytes; bytes 4i..4i+3 of slice m: low 4 bits of group m of row i in the low
//       nibbles, of group m + 32 in the high nibbles;
//     1024 bytes: 16 slices m; bytes 4i..4i+3: the top 2 bits of groups m, m + 16, m + 32, m + 48 of row i at
//       bits 0-1, 2-3, 4-5, 6-7;
//     256 bytes of int8 scales (byte 16j + i: sub-block j of row i), then 32 bytes of fp16 d of rows 0..15.
// Contract: repack and unpack_row are exact inverses (byte for byte, any bytes); both portable.
// Preconditions: w in GGUF row layout of a type with a packed layout, cols a positive multiple of the block
// size, dst holds layout_bytes(w, layout) bytes, no overlap.
#include <cstdint>

#include "kernels/matmul.hpp"

namespace sovra::kernels {

inline constexpr std::int64_t kPackedGroupRows = 16;
inline constexpr std::int64_t kQ4_KSuperBytes = 2368;
inline constexpr std::int64_t kQ6_KSuperBytes = 3360;

// The layout worth repacking w into on this CPU now: one whose fast kernel is in use (AVX-512 VNNI, not disabled,
// not forced to the reference kernels) and w has a whole group of rows; kRows otherwise. Packed weights work
// without their kernel too (row by row through unpack_row), only slowly.
WeightLayout packed_layout(const WeightView& w);

// Bytes of w's matrix in `layout` (kRows: rows * row_bytes).
std::int64_t layout_bytes(const WeightView& w, WeightLayout layout);
// Bytes of one whole group of kPackedGroupRows rows in `layout` (which is not kRows).
std::int64_t group_bytes(WeightLayout layout, std::int64_t cols);

// Writes w (GGUF row layout) into dst in `layout`, sharing the groups among pool's threads.
void repack(const WeightView& w, WeightLayout layout, void* dst, ThreadPool& pool);

// Row r of a packed matrix (w.layout != kRows) in plain GGUF row layout (row_bytes(type, cols) bytes) into dst.
void unpack_row(const WeightView& w, std::int64_t r, void* dst);

}  // namespace sovra::kernels
