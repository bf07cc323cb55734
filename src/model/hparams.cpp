#include "model/hparams.hpp"

#include "gguf/reader.hpp"

namespace sovra::model {
namespace {

Result<std::uint32_t> required_u32(const gguf::Reader& r, const std::string& key) {
  auto v = r.get_uint(key);
  if (!v) return Error::corrupt("model metadata: missing or invalid '" + key + "'");
  if (*v == 0 || *v > 0x7fffffffULL) return Error::corrupt("model metadata: '" + key + "' out of range");
  return static_cast<std::uint32_t>(*v);
}

}  // namespace

Result<HyperParams> read_hparams(const gguf::Reader& r) {
  HyperParams hp;
  auto arch = r.get_string("general.architecture");
  if (!arch) return Error::corrupt("model metadata: missing 'general.architecture'");
  hp.arch = std::string(*arch);
  const auto* spec = find_architecture(hp.arch);
  if (spec == nullptr) {
    std::string known;
    for (const auto& n : architecture_names()) known += (known.empty() ? "" : ", ") + n;
    return Error::invalid("unsupported model architecture '" + hp.arch + "' (supported: " + known + ")");
  }
  hp.rope_style = spec->rope;
  const std::string p = hp.arch + ".";
  SOVRA_TRY(hp.n_embd, required_u32(r, p + "embedding_length"));
  SOVRA_TRY(hp.n_layer, required_u32(r, p + "block_count"));
  SOVRA_TRY(hp.n_ff, required_u32(r, p + "feed_forward_length"));
  SOVRA_TRY(hp.n_head, required_u32(r, p + "attention.head_count"));
  hp.n_head_kv = hp.n_head;
  if (r.contains(p + "attention.head_count_kv")) {
    SOVRA_TRY(hp.n_head_kv, required_u32(r, p + "attention.head_count_kv"));
  }
  hp.n_ctx_train = static_cast<std::uint32_t>(r.get_uint(p + "context_length").value_or(2048));
  if (hp.n_embd % hp.n_head != 0) return Error::corrupt("model metadata: embedding_length not divisible by head_count");
  if (hp.n_head % hp.n_head_kv != 0) return Error::corrupt("model metadata: head_count not divisible by head_count_kv");
  hp.head_dim = hp.n_embd / hp.n_head;
  if (r.contains(p + "attention.key_length")) {
    SOVRA_TRY(hp.head_dim, required_u32(r, p + "attention.key_length"));
  }
  hp.n_rot = hp.head_dim;
  if (r.contains(p + "rope.dimension_count")) {
    SOVRA_TRY(hp.n_rot, required_u32(r, p + "rope.dimension_count"));
  }
  if (hp.n_rot % 2 != 0 || hp.n_rot > hp.head_dim || hp.n_rot > 1024)
    return Error::corrupt("model metadata: invalid rope.dimension_count");
  hp.rms_eps = static_cast<float>(r.get_float(p + "attention.layer_norm_rms_epsilon").value_or(1e-5));
  hp.rope_freq_base = static_cast<float>(r.get_float(p + "rope.freq_base").value_or(10000.0));
  if (auto type = r.get_string(p + "rope.scaling.type")) {
    if (*type == "linear") {
      hp.rope_scaling = RopeScaling::kLinear;
      hp.rope_scale_factor = static_cast<float>(r.get_float(p + "rope.scaling.factor").value_or(1.0));
      if (!(hp.rope_scale_factor > 0.0f)) return Error::corrupt("model metadata: invalid rope.scaling.factor");
    } else if (*type != "none") {
      return Error::invalid("unsupported rope scaling '" + std::string(*type) + "'");
    }
  }
  if (const auto* t = r.find_tensor("rope_freqs.weight")) {
    if (t->n_elements != hp.n_rot / 2) return Error::corrupt("rope_freqs.weight must have n_rot/2 elements");
    hp.has_rope_freq_factors = true;
    hp.rope_scaling = RopeScaling::kLlama3;
  }
  const auto* embd = r.find_tensor("token_embd.weight");
  if (embd == nullptr) return Error::corrupt("model is missing tensor 'token_embd.weight'");
  hp.n_vocab = static_cast<std::uint32_t>(embd->dims[1]);
  if (embd->dims[0] != hp.n_embd) return Error::corrupt("token_embd.weight does not match embedding_length");
  return hp;
}

}  // namespace sovra::model
