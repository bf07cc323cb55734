#pragma once
// AVX2 + FMA + F16C kernels (x86-64). Declarations only: safe to include from portable code.
//
// Contract: callable only when the CPU reports avx2, fma and f16c (kernel_table.cpp checks); otherwise they
// fault. Semantics are those of the reference kernels in ref.hpp: activation quantizers are bit-identical to
// them; dot products agree up to float summation order. vec_dot_tile_T computes, for t < n_act (1..kMaxTile),
// out[t * out_stride] = vec_dot_T(n, w, a + t * a_stride bytes), loading and unpacking each weight block once
// for all n_act activation rows.
#include <cstdint>

namespace sovra::kernels {
struct PagedRows;
}

namespace sovra::kernels::avx2 {

void quantize_row_q8_0(const float* src, void* dst, std::int64_t n);
// binary32 -> binary16 rows (VCVTPS2PH, round to nearest even): bit-identical to the reference.
void quantize_row_f16(const float* src, void* dst, std::int64_t n);

// kernels::attend_one (ops.hpp), vectorised; results differ from it only in float summation order.
void attend_one(const float* q, const float* k, const float* v, std::int64_t kv_stride, std::int32_t n_kv,
                std::int32_t head_dim, float scale, float* scratch, float* out);
// kernels::attend_group (ops.hpp) for head_dim a multiple of 8, vectorised; results differ from the reference
// in float summation order and exp rounding (relative error below 2e-7).
void attend_group(const float* q, std::int64_t q_stride, std::int32_t n_q, const PagedRows& k, const PagedRows& v,
                  std::int32_t n_kv, std::int32_t head_dim, float scale, float* scratch, float* out,
                  std::int64_t out_stride);
// attend_group's softmax: each lane's column of scratch[j * 8 + lane], j < n, becomes its softmax over j
// (polynomial exp, sums in double). The AVX-512 attend_group has its own, two positions per vector with the same
// exp per lane.
void softmax_lanes(float* scratch, std::int32_t n);
// kernels::swiglu (ops.hpp) with a polynomial exp: relative error below 1e-6.
void swiglu(float* gate, const float* up, std::int64_t n);
// kernels::rms_norm (ops.hpp): the sum of squares in double (exact squares, another summation order), the
// scaling as the reference rounds it (x * scale, then * w).
void rms_norm(const float* x, const float* w, float* y, std::int64_t n, float eps);
// kernels::rope_rotate (ops.hpp) for n_rot a multiple of 8 (normal mode) or of 16 (NeoX), each pair's rotation with
// one rounding less (FMA): within a few ulp of the reference.
void rope_rotate_normal(float* x, std::int32_t n_heads, std::int32_t head_dim, std::int32_t n_rot, const float* cos_t,
                        const float* sin_t);
void rope_rotate_neox(float* x, std::int32_t n_heads, std::int32_t head_dim, std::int32_t n_rot, const float* cos_t,
                      const float* sin_t);
void quantize_row_q8_1(const float* src, void* dst, std::int64_t n);
void quantize_row_q8_k(const float* src, void* dst, std::int64_t n);

#define SOVRA_AVX2_DOT(T)                                                                                           \
  float vec_dot_##T(std::int64_t n, const void* w, const void* a);                                                  \
  void vec_dot_tile_##T(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out, \
                        std::int64_t out_stride)
SOVRA_AVX2_DOT(f32);
SOVRA_AVX2_DOT(f16);
SOVRA_AVX2_DOT(bf16);
SOVRA_AVX2_DOT(q4_0);
SOVRA_AVX2_DOT(q4_1);
SOVRA_AVX2_DOT(q5_0);
SOVRA_AVX2_DOT(q5_1);
SOVRA_AVX2_DOT(q8_0);
SOVRA_AVX2_DOT(q2_k);
SOVRA_AVX2_DOT(q3_k);
SOVRA_AVX2_DOT(q4_k);
SOVRA_AVX2_DOT(q5_k);
SOVRA_AVX2_DOT(q6_k);
#undef SOVRA_AVX2_DOT

}  // namespace sovra::kernels::avx2
