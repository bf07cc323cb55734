#pragma once
// The CPU kernel table: for each ggml type, the functions that decode, encode and multiply its rows, chosen once
// per process between the portable reference kernels and the AVX2 ones.
//
// Contract: kernels_for() returns the AVX2 entry when the CPU has avx2, fma and f16c and force_reference(false)
// (the default) is in effect — with the AVX-512 VNNI gemm path added for Q4_0, Q8_0, Q4_K and Q6_K when the CPU has it
// and disable_avx512(false) (the default) is in effect — else the reference entry; nullptr for a type with no kernels.
// Entries are immutable and live for the whole process. Weight types have every function; the activation encodings Q8_1
// and Q8_K have only quantize_row and dequantize_row. Row lengths must be multiples of the type's block size.
#include <cstdint>

#include "gguf/types.hpp"

namespace sovra::kernels {

// Makes kernels_for() return the scalar reference kernels (on) or the best available ones (off). For tests and
// debugging; takes effect for lookups made after it returns. Thread-safe.
void force_reference(bool on);
// Whether kernels_for() currently returns SIMD kernels.
bool simd_active();
// Whether this CPU can run the AVX2 kernels at all.
bool cpu_has_avx2();
// Whether this CPU (and OS) can run the AVX-512 VNNI kernels (avx512f/bw/vl/vbmi/vnni, ZMM state enabled).
bool cpu_has_avx512_vnni();
// Makes kernels_for() leave out the AVX-512 VNNI paths (off: use them where the CPU has them). For tests and
// benchmarks of the AVX2 kernels; takes effect for lookups made after it returns. Thread-safe.
void disable_avx512(bool on);
// Whether the AVX-512 VNNI paths are in use now: the CPU has them, and neither force_reference nor disable_avx512
// is on.
bool avx512_active();

namespace cpu {

inline constexpr int kMaxTile = 4;  // activation rows one vec_dot_tile call takes

using DequantizeRowFn = void (*)(const void* src, float* dst, std::int64_t n);
using QuantizeRowFn = void (*)(const float* src, void* dst, std::int64_t n);
// Dot of a weight row with one activation row in the weight type's act_type encoding.
using VecDotFn = float (*)(std::int64_t n, const void* w, const void* a);
// out[t * out_stride] = dot(w, activation row t) for t < n_act (1..kMaxTile); row t starts a + t * a_stride bytes.
using VecDotTileFn = void (*)(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act,
                              float* out, std::int64_t out_stride);

// Optional wide path for a weight type: activations in the kernel's own layout (encode_act writes one row of n
// elements in act_row_bytes(n) bytes), and gemm(n, w, w_stride, rows, a, a_stride, n_tokens, y, y_stride) sets
// y[t * y_stride + r] = dot(weight row r, activation row t) for r < rows, t < n_tokens, blocking rows and tokens
// in registers itself. When present, matmul uses it instead of vec_dot / vec_dot_tile.
using ActRowBytesFn = std::int64_t (*)(std::int64_t n);
using GemmFn = void (*)(std::int64_t n, const void* w, std::int64_t w_stride, std::int64_t rows, const void* a,
                        std::int64_t a_stride, std::int64_t n_tokens, float* y, std::int64_t y_stride);
struct GemmKernels {
  ActRowBytesFn act_row_bytes = nullptr;
  QuantizeRowFn encode_act = nullptr;
  GemmFn gemm = nullptr;
};

// Optional path for weights repacked at load (kernels/packed.hpp: Q4_0, Q4_K and Q6_K, 16 rows at a time): gemm16(n,
// group, a, a_stride, n_tokens, y, y_stride) sets y[t * y_stride + i] = dot(row i of the 16-row group, activation
// row t) for i < 16, activations encoded by encode_act in act_row_bytes(n) bytes per row.
using Gemm16Fn = void (*)(std::int64_t n, const void* group, const void* a, std::int64_t a_stride,
                          std::int64_t n_tokens, float* y, std::int64_t y_stride);
// gemm2 (optional): the same over two consecutive groups (32 rows, y rows need 32 writable floats), with results
// bit-identical to gemm16 on each group: the kernel shares each activation load between the two groups.
struct PackedKernels {
  ActRowBytesFn act_row_bytes = nullptr;
  QuantizeRowFn encode_act = nullptr;
  Gemm16Fn gemm16 = nullptr;
  Gemm16Fn gemm2 = nullptr;
};

struct TypeKernels {
  gguf::GgmlType type = gguf::GgmlType::kF32;
  gguf::GgmlType act_type = gguf::GgmlType::kF32;  // how vec_dot wants activations: F32, Q8_0, Q8_1 or Q8_K
  DequantizeRowFn dequantize_row = nullptr;
  QuantizeRowFn quantize_row = nullptr;
  VecDotFn vec_dot = nullptr;             // nullptr for activation-only encodings
  VecDotTileFn vec_dot_tile = nullptr;    // likewise
  const GemmKernels* gemm = nullptr;      // AVX-512 VNNI entries of Q4_0, Q8_0, Q4_K, Q6_K only
  const PackedKernels* packed = nullptr;  // AVX-512 VNNI entries of Q4_0, Q4_K and Q6_K only
};

const TypeKernels* kernels_for(gguf::GgmlType type);
// The portable entry, whatever the CPU.
const TypeKernels* reference_kernels(gguf::GgmlType type);
// The AVX2 entry, or nullptr when the CPU cannot run it or the type has none. Functions without a SIMD version
// (the weight quantizers, most dequantizers) point at the reference ones. Its gemm is always nullptr.
const TypeKernels* simd_kernels(gguf::GgmlType type);
// The AVX2 entry with the AVX-512 VNNI gemm path, or nullptr when the CPU cannot run it or the type has none.
const TypeKernels* avx512_kernels(gguf::GgmlType type);

}  // namespace cpu
}  // namespace sovra::kernels
