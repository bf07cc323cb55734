#pragma once
// Scalar reference kernels: the executable definition of every block layout in kernels/quant/blocks.hpp.
//
// Contract: always built, portable C++; every SIMD kernel is tested against these. `n` counts elements and is a
// multiple of the type's block size (1, 32 or 256); pointers need no alignment. Rows are raw bytes of the
// type's blocks.
//  - dequantize_row_T(src, dst, n): dst[0..n) = the values of the n encoded elements.
//  - quantize_row_T(src, dst, n): encodes n floats (weights: a least-error search for the K-quants, absmax /
//    min-max for the legacy types; activations Q8_0/Q8_1/Q8_K: absmax, round to nearest even, bit-identical to
//    the SIMD activation quantizers).
//  - vec_dot_T(n, w, a): the dot product of a weight row of type T with an activation row in T's activation
//    encoding (act_type in kernel_table.hpp): F32 for F32/F16/BF16, Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for
//    Q4_1/Q5_1, Q8_K for the K-quants. Integer parts are exact; float terms are summed block by block.
#include <cstdint>

namespace sovra::kernels::ref {

void dequantize_row_f32(const void* src, float* dst, std::int64_t n);
void quantize_row_f32(const float* src, void* dst, std::int64_t n);
void dequantize_row_f16(const void* src, float* dst, std::int64_t n);
void quantize_row_f16(const float* src, void* dst, std::int64_t n);
void dequantize_row_bf16(const void* src, float* dst, std::int64_t n);
void quantize_row_bf16(const float* src, void* dst, std::int64_t n);
void dequantize_row_q4_0(const void* src, float* dst, std::int64_t n);
void quantize_row_q4_0(const float* src, void* dst, std::int64_t n);
void dequantize_row_q4_1(const void* src, float* dst, std::int64_t n);
void quantize_row_q4_1(const float* src, void* dst, std::int64_t n);
void dequantize_row_q5_0(const void* src, float* dst, std::int64_t n);
void quantize_row_q5_0(const float* src, void* dst, std::int64_t n);
void dequantize_row_q5_1(const void* src, float* dst, std::int64_t n);
void quantize_row_q5_1(const float* src, void* dst, std::int64_t n);
void dequantize_row_q8_0(const void* src, float* dst, std::int64_t n);
void quantize_row_q8_0(const float* src, void* dst, std::int64_t n);
void dequantize_row_q8_1(const void* src, float* dst, std::int64_t n);
void quantize_row_q8_1(const float* src, void* dst, std::int64_t n);
void dequantize_row_q2_k(const void* src, float* dst, std::int64_t n);
void quantize_row_q2_k(const float* src, void* dst, std::int64_t n);
void dequantize_row_q3_k(const void* src, float* dst, std::int64_t n);
void quantize_row_q3_k(const float* src, void* dst, std::int64_t n);
void dequantize_row_q4_k(const void* src, float* dst, std::int64_t n);
void quantize_row_q4_k(const float* src, void* dst, std::int64_t n);
void dequantize_row_q5_k(const void* src, float* dst, std::int64_t n);
void quantize_row_q5_k(const float* src, void* dst, std::int64_t n);
void dequantize_row_q6_k(const void* src, float* dst, std::int64_t n);
void quantize_row_q6_k(const float* src, void* dst, std::int64_t n);
void dequantize_row_q8_k(const void* src, float* dst, std::int64_t n);
void quantize_row_q8_k(const float* src, void* dst, std::int64_t n);

float vec_dot_f32(std::int64_t n, const void* w, const void* a);
float vec_dot_f16(std::int64_t n, const void* w, const void* a);
float vec_dot_bf16(std::int64_t n, const void* w, const void* a);
float vec_dot_q4_0(std::int64_t n, const void* w, const void* a);
float vec_dot_q4_1(std::int64_t n, const void* w, const void* a);
float vec_dot_q5_0(std::int64_t n, const void* w, const void* a);
float vec_dot_q5_1(std::int64_t n, const void* w, const void* a);
float vec_dot_q8_0(std::int64_t n, const void* w, const void* a);
float vec_dot_q2_k(std::int64_t n, const void* w, const void* a);
float vec_dot_q3_k(std::int64_t n, const void* w, const void* a);
float vec_dot_q4_k(std::int64_t n, const void* w, const void* a);
float vec_dot_q5_k(std::int64_t n, const void* w, const void* a);
float vec_dot_q6_k(std::int64_t n, const void* w, const void* a);

// Block fields as the formats define them, for the kernels above and the repacking in kernels/packed.cpp (each pair
// exact inverses on any bytes):
// Q4_K/Q5_K: the 8 sub-block scales and mins (6 bits each) packed in 12 bytes.
void unpack_scales_q4_k(const std::uint8_t* p, std::uint8_t* sc, std::uint8_t* m);
void pack_scales_q4_k(const std::uint8_t* sc, const std::uint8_t* m, std::uint8_t* p);
// Q6_K: the 256 levels (0..63) of a block's ql and qh.
void unpack_levels_q6_k(const void* block, std::uint8_t* q);
void pack_levels_q6_k(const std::uint8_t* q, void* block);

}  // namespace sovra::kernels::ref
