#pragma once
// Hyper-parameters of a decoder-only transformer, read from GGUF metadata ("{arch}.embedding_length", …).
#include <cstdint>
#include <string>

#include "common/error.hpp"
#include "model/arch/architecture.hpp"

namespace sovra::gguf {
class Reader;
}

namespace sovra::model {

enum class RopeScaling { kNone, kLinear, kLlama3 };

struct HyperParams {
  std::string arch;
  std::uint32_t n_vocab = 0;
  std::uint32_t n_ctx_train = 0;
  std::uint32_t n_embd = 0;
  std::uint32_t n_layer = 0;
  std::uint32_t n_ff = 0;
  std::uint32_t n_head = 0;
  std::uint32_t n_head_kv = 0;
  std::uint32_t head_dim = 0;  // n_embd / n_head unless attention.key_length says otherwise
  std::uint32_t n_rot = 0;     // rotated dimensions per head
  float rms_eps = 1e-5f;
  float rope_freq_base = 10000.0f;
  RopeScaling rope_scaling = RopeScaling::kNone;
  float rope_scale_factor = 1.0f;      // linear: positions divided by this
  bool has_rope_freq_factors = false;  // llama3-style per-dimension factors in rope_freqs.weight
  RopeStyle rope_style = RopeStyle::kNormal;

  std::uint32_t n_embd_kv() const { return n_head_kv * head_dim; }
  std::uint32_t n_embd_q() const { return n_head * head_dim; }
};

// Reads and validates (non-zero sizes, heads dividing evenly, head_dim even, vocab matching the embedding).
Result<HyperParams> read_hparams(const gguf::Reader& reader);

}  // namespace sovra::model
