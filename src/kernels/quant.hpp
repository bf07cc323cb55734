#pragma once
// Row conversions between f32 and the ggml types, for code outside the kernels (the GGUF quantizer, embedding
// lookups): the same kernels the matmul uses, dispatched on the type.
//
// Contract: a row is n consecutive elements, n a positive multiple of the type's block size, stored in
// row_bytes(type, n) bytes; pointers need no alignment. Supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
// Q2_K … Q6_K, and the activation encodings Q8_1 and Q8_K. Calls with anything else fail with kInvalidArgument
// and write nothing. Results do not depend on the CPU: SIMD and reference encoders give identical bytes.
#include <cstdint>

#include "common/error.hpp"
#include "gguf/types.hpp"

namespace sovra::kernels {

// Bytes of a row of n elements, or 0 when n is not a positive multiple of the block size or the type has none.
std::int64_t row_bytes(gguf::GgmlType type, std::int64_t n);

// Whether rows of n elements of `type` can be converted.
Status check_row(gguf::GgmlType type, std::int64_t n);

// dst[0..n) = the values of the n elements encoded at src.
Status dequantize_row(gguf::GgmlType type, const void* src, float* dst, std::int64_t n);

// Encodes src[0..n) at dst. Weight types use the least-error searches of the reference quantizers (slow: meant
// for offline conversion, not per token).
Status quantize_row(gguf::GgmlType type, const float* src, void* dst, std::int64_t n);

}  // namespace sovra::kernels
