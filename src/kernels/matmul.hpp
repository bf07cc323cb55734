#pragma once
// Matrix products of a weight matrix in any supported ggml type with f32 activations, on the CPU.
//
// Contract: matmul computes y[t * rows + r] = dot(row r of W, x row t) for t < n_tokens, r < rows, where x is
// [n_tokens, cols] and y is [n_tokens, rows], both row-major f32, and W is stored row-major as ggml stores a
// [cols, rows] tensor (each row row_bytes(type, cols) bytes). Activations are encoded once per call in the
// weight type's activation format (Q8_0/Q8_1/Q8_K, as llama.cpp does, or kept f32 for float weights), so
// results carry that 8-bit rounding. Rows are shared among the pool's threads; for n_tokens > 1 each weight
// row is multiplied with up to cpu::kMaxTile activation rows per pass so weights are read from memory once.
// Where the CPU has AVX-512 VNNI, Q4_0, Q8_0, Q4_K and Q6_K go through the kernel table's gemm path instead:
// activations in that kernel's layout (the same 8-bit values), register blocks of rows x tokens. Weights in a
// packed layout (packed.hpp) go through its kernel (16 rows per register), or where there is none, row by row
// through a plain copy of each row.
// Preconditions (checked by assert only): check_weight(w) succeeds, x and y do not overlap, n_tokens >= 0.
// Not reentrant per thread: it keeps the encoded activations in a per-thread buffer.
#include <cstdint>
#include <span>

#include "common/error.hpp"
#include "gguf/types.hpp"
#include "kernels/thread_pool.hpp"

namespace sovra::kernels {

// How a weight matrix's bytes are arranged: GGUF's rows one after the other, or repacked at load (packed.hpp).
enum class WeightLayout : std::uint8_t {
  kRows,     // row r at r * row_bytes(type, cols)
  kQ4_0x16,  // Q4_0 only: 16 rows interleaved, see kernels/packed.hpp
  kQ4_Kx16,  // Q4_K only: likewise
  kQ6_Kx16,  // Q6_K only: likewise
};

struct WeightView {
  gguf::GgmlType type = gguf::GgmlType::kF32;
  const void* data = nullptr;
  std::int64_t rows = 0;  // output features
  std::int64_t cols = 0;  // input features: elements per row
  WeightLayout layout = WeightLayout::kRows;
};

// Whether matmul can use w: a weight type with kernels, rows > 0, cols a positive multiple of the block size.
Status check_weight(const WeightView& w);

void matmul(const WeightView& w, const float* x, std::int64_t n_tokens, float* y, ThreadPool& pool);

// matmul(ws[i], x, n_tokens, ys[i], pool) for every i (at most 8, ys the same size as ws) — the products of one
// activation matrix with several weights (Q, K and V; gate and up). When all are in the same packed layout with
// whole groups of rows, the activations are encoded once and one parallel region covers all of them, so the
// threads stream the weights as one sequence instead of meeting at a barrier after each.
void matmul_many(std::span<const WeightView> ws, const float* x, std::int64_t n_tokens, std::span<float* const> ys,
                 ThreadPool& pool);

}  // namespace sovra::kernels
