#pragma once
// AVX-512 VNNI kernels (x86-64) for Q4_0, Q8_0, Q4_K and Q6_K weights: a register-blocked product of several weight
// rows with several activation rows, with activations in their own layout. Declarations only: safe to include from
// portable code.
//
// Contract: callable only when the CPU reports avx512f, avx512bw, avx512vl, avx512vbmi and avx512vnni and the OS
// saves ZMM state (kernel_table.cpp checks); otherwise they fault.
// Activations: encode_act_T(x, dst, n) writes one row of n elements (a multiple of 32) in act_row_bytes(n)
// bytes: the Q8_0 encoding of x, bit-identical to quantize_row_q8_0, regrouped in quads of four blocks (the
// element order that the weight unpacking produces) with each block's level sum pre-multiplied by the weight
// type's level offset, zero-padded to whole quads. The two encoders differ only in that offset (8 for Q4_0, 128
// for Q8_0, whose levels are shifted to unsigned), so a row encoded for one type must not be used with the other.
// Products: gemm_T(n, w, w_stride, rows, a, a_stride, n_tokens, y, y_stride) sets
// y[t * y_stride + r] = dot(weight row r, activation row t) for r < rows, t < n_tokens, where weight row r starts
// w + r * w_stride bytes and activation row t starts a + t * a_stride bytes (both as encoded above). The result is
// sum over blocks of d_w * d_a * (integer dot), as the Q8_0 reference computes it, up to float summation order.
// Weight rows are read only within their n / 32 blocks (the last partial quad through a copy).
#include <cstdint>

namespace sovra::kernels {
struct PagedRows;
}

namespace sovra::kernels::avx512 {

std::int64_t act_row_bytes(std::int64_t n);
void encode_act_q4_0(const float* x, void* dst, std::int64_t n);
void encode_act_q8_0(const float* x, void* dst, std::int64_t n);

void gemm_q4_0(std::int64_t n, const void* w, std::int64_t w_stride, std::int64_t rows, const void* a,
               std::int64_t a_stride, std::int64_t n_tokens, float* y, std::int64_t y_stride);
void gemm_q8_0(std::int64_t n, const void* w, std::int64_t w_stride, std::int64_t rows, const void* a,
               std::int64_t a_stride, std::int64_t n_tokens, float* y, std::int64_t y_stride);

// Q4_K weights (n a multiple of 256): the same contract, with activations quantized as quantize_row_q8_k does
// (one scale per 256 elements) and regrouped in act_row_bytes_q4_k(n) bytes; the result is the Q4_K reference's
// integer sums scaled as it scales them, up to float summation order.
std::int64_t act_row_bytes_q4_k(std::int64_t n);
void encode_act_q4_k(const float* x, void* dst, std::int64_t n);
void gemm_q4_k(std::int64_t n, const void* w, std::int64_t w_stride, std::int64_t rows, const void* a,
               std::int64_t a_stride, std::int64_t n_tokens, float* y, std::int64_t y_stride);

// Q6_K weights: the same, with activations in the plain Q8_K layout (encode_act_q6_k is quantize_row_q8_k).
std::int64_t act_row_bytes_q6_k(std::int64_t n);
void encode_act_q6_k(const float* x, void* dst, std::int64_t n);
void gemm_q6_k(std::int64_t n, const void* w, std::int64_t w_stride, std::int64_t rows, const void* a,
               std::int64_t a_stride, std::int64_t n_tokens, float* y, std::int64_t y_stride);

// Q4_0 weights in the kQ4_0x16 layout (kernels/packed.hpp): activations as quantize_row_q8_0 encodes them, one
// 40-byte block per 32 elements (levels, scale as f32, -8 * level sum) in act_row_bytes_q4_0_x16(n) bytes.
// gemm_q4_0_x16(n, group, a, a_stride, n_tokens, y, y_stride) sets y[t * y_stride + i] = dot(row i of the
// 16-row group starting at `group`, activation row t) for i < 16, t < n_tokens; y rows need 16 writable floats.
std::int64_t act_row_bytes_q4_0_x16(std::int64_t n);
void encode_act_q4_0_x16(const float* x, void* dst, std::int64_t n);
void gemm_q4_0_x16(std::int64_t n, const void* group, const void* a, std::int64_t a_stride, std::int64_t n_tokens,
                   float* y, std::int64_t y_stride);
// The same for the two consecutive groups starting at `groups` (y rows need 32 writable floats), bit-identical to
// gemm_q4_0_x16 on each.
void gemm2_q4_0_x16(std::int64_t n, const void* groups, const void* a, std::int64_t a_stride, std::int64_t n_tokens,
                    float* y, std::int64_t y_stride);

// Q4_K weights in the kQ4_Kx16 layout: activations as quantize_row_q8_k encodes them, 288 bytes per 256 elements
// (levels, scale, sub-block level sums split as 128 * hi + lo); the same gemm contract as gemm_q4_0_x16.
std::int64_t act_row_bytes_q4_k_x16(std::int64_t n);
void encode_act_q4_k_x16(const float* x, void* dst, std::int64_t n);
void gemm_q4_k_x16(std::int64_t n, const void* group, const void* a, std::int64_t a_stride, std::int64_t n_tokens,
                   float* y, std::int64_t y_stride);

// Q6_K weights in the kQ6_Kx16 layout: activations as quantize_row_q8_k encodes them, 324 bytes per 256 elements
// (levels, scale, -32 * each 16-element sub-block's level sum); the same gemm contract as gemm_q4_0_x16.
std::int64_t act_row_bytes_q6_k_x16(std::int64_t n);
void encode_act_q6_k_x16(const float* x, void* dst, std::int64_t n);
void gemm_q6_k_x16(std::int64_t n, const void* group, const void* a, std::int64_t a_stride, std::int64_t n_tokens,
                   float* y, std::int64_t y_stride);

// kernels::attend_group (ops.hpp) for the head sizes attend_group_fits accepts (64 and 128): the same results as
// avx2::attend_group up to float summation order; a head's result still depends on nothing but its own inputs.
bool attend_group_fits(std::int32_t head_dim);
void attend_group(const float* q, std::int64_t q_stride, std::int32_t n_q, const PagedRows& k, const PagedRows& v,
                  std::int32_t n_kv, std::int32_t head_dim, float scale, float* scratch, float* out,
                  std::int64_t out_stride);

}  // namespace sovra::kernels::avx512
