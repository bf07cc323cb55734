#pragma once
// `sovra gguf random` and `sovra quantize`: models with random weights in real shapes (for benchmarks and
// tests), and re-quantization of real models, both through Sovra's own quantizer (kernels/quant.hpp).
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "gguf/types.hpp"

namespace CLI {
class App;
}

namespace sovra::app {

struct ModelShape {
  std::string name;
  std::string arch;  // "llama" | "qwen2"
  std::uint32_t n_embd, n_layer, n_head, n_head_kv, n_ff, n_vocab;
  float rope_base;
  bool tied_output;
};

const std::vector<ModelShape>& known_shapes();

// "q4_0" → the per-tensor type plan: the type of plain 2-D weights and the type of the "sensitive" ones
// (output, attn_v, ffn_down), as llama.cpp's _M mixes keep at higher precision.
struct QuantPlan {
  std::string name;
  gguf::GgmlType base;
  gguf::GgmlType sensitive;
  std::uint32_t file_type;  // general.file_type (llama_ftype numbering)
};
Result<QuantPlan> quant_plan(const std::string& name);

struct RandomModelOptions {
  std::string arch = "llama";
  std::string shape = "tinyllama-1.1b";
  std::string type = "q4_0";
  std::string output;
  std::uint64_t seed = 1;
  int threads = 0;
  // Encoders (--arch bert | nomic-bert; shapes of model/arch/encoder_random.hpp, bge-small when --shape is left
  // at the decoder default):
  std::string pooling = "mean";  // mean | cls | last | rank (a reranker with a classification head)
  bool matryoshka = false;       // declare Matryoshka support (sovra.embedding.matryoshka)
};
Status write_random_model(const RandomModelOptions& options);

Status quantize_model(const std::string& input, const std::string& output, const std::string& type, int threads);

void add_gguf_random_command(CLI::App& gguf_cmd, int& exit_code);

}  // namespace sovra::app
