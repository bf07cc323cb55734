#pragma once
// Binding of GGUF tensors to the roles of a decoder layer, with every shape checked against the
// hyper-parameters. Nothing is copied here: views point into the memory-mapped file (Model may repack some).
#include <cstdint>
#include <vector>

#include "common/error.hpp"
#include "gguf/types.hpp"
#include "kernels/matmul.hpp"
#include "model/hparams.hpp"

namespace sovra::gguf {
class Reader;
}

namespace sovra::model {

// A 2-D weight matrix, row-major: `rows` rows of `cols` elements of `type` ([rows, cols] in math order;
// GGUF dims are [cols, rows]). `layout`: kRows for GGUF rows; Model repacks some types at load where the CPU has a
// kernel for a packed layout (kernels/packed.hpp), whose bytes only matmul may read.
struct Matrix {
  gguf::GgmlType type = gguf::GgmlType::kF32;
  const void* data = nullptr;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  kernels::WeightLayout layout = kernels::WeightLayout::kRows;
};

struct LayerWeights {
  const float* attn_norm = nullptr;  // [n_embd]
  Matrix wq, wk, wv, wo;
  const float* bq = nullptr;        // [n_embd_q], qwen2
  const float* bk = nullptr;        // [n_embd_kv]
  const float* bv = nullptr;        // [n_embd_kv]
  const float* ffn_norm = nullptr;  // [n_embd]
  Matrix w_gate, w_up, w_down;
};

struct Weights {
  Matrix token_embd;  // [n_vocab, n_embd]
  const float* output_norm = nullptr;
  Matrix output;  // [n_vocab, n_embd]; token_embd when tied
  bool tied_output = false;
  const float* rope_freqs = nullptr;  // [n_rot / 2] llama3 factors, or null
  std::vector<LayerWeights> layers;
};

Result<Weights> bind_weights(const gguf::Reader& reader, const HyperParams& hp, const ArchitectureSpec& arch);

}  // namespace sovra::model
