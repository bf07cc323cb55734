#include "model/weights.hpp"

#include "gguf/reader.hpp"

namespace sovra::model {
namespace {

Result<Matrix> matrix(const gguf::Reader& r, const std::string& name, std::int64_t rows, std::int64_t cols) {
  const auto* t = r.find_tensor(name);
  if (t == nullptr) return Error::corrupt("model is missing tensor '" + name + "'");
  if (t->n_dims != 2 || static_cast<std::int64_t>(t->dims[0]) != cols ||
      static_cast<std::int64_t>(t->dims[1]) != rows) {
    return Error::corrupt("tensor '" + name + "' has shape [" + std::to_string(t->dims[0]) + ", " +
                          std::to_string(t->dims[1]) + "], expected [" + std::to_string(cols) + ", " +
                          std::to_string(rows) + "]");
  }
  return Matrix{t->type, t->data.data(), rows, cols};
}

Result<const float*> vector_f32(const gguf::Reader& r, const std::string& name, std::int64_t n) {
  const auto* t = r.find_tensor(name);
  if (t == nullptr) return Error::corrupt("model is missing tensor '" + name + "'");
  if (t->type != gguf::GgmlType::kF32)
    return Error::invalid("tensor '" + name + "' must be F32, is " + gguf::type_name(t->type));
  if (static_cast<std::int64_t>(t->n_elements) != n) {
    return Error::corrupt("tensor '" + name + "' has " + std::to_string(t->n_elements) + " elements, expected " +
                          std::to_string(n));
  }
  return reinterpret_cast<const float*>(t->data.data());
}

}  // namespace

Result<Weights> bind_weights(const gguf::Reader& r, const HyperParams& hp, const ArchitectureSpec& arch) {
  Weights w;
  const std::int64_t embd = hp.n_embd;
  const std::int64_t q = hp.n_embd_q();
  const std::int64_t kv = hp.n_embd_kv();
  const std::int64_t ff = hp.n_ff;
  SOVRA_TRY(w.token_embd, matrix(r, "token_embd.weight", hp.n_vocab, embd));
  SOVRA_TRY(w.output_norm, vector_f32(r, "output_norm.weight", embd));
  if (r.find_tensor("output.weight") != nullptr) {
    SOVRA_TRY(w.output, matrix(r, "output.weight", hp.n_vocab, embd));
  } else if (arch.tied_output_allowed) {
    w.output = w.token_embd;
    w.tied_output = true;
  } else {
    return Error::corrupt("model is missing tensor 'output.weight'");
  }
  if (hp.has_rope_freq_factors) {
    SOVRA_TRY(w.rope_freqs, vector_f32(r, "rope_freqs.weight", hp.n_rot / 2));
  }
  w.layers.resize(hp.n_layer);
  for (std::uint32_t i = 0; i < hp.n_layer; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    auto& l = w.layers[i];
    SOVRA_TRY(l.attn_norm, vector_f32(r, b + "attn_norm.weight", embd));
    SOVRA_TRY(l.wq, matrix(r, b + "attn_q.weight", q, embd));
    SOVRA_TRY(l.wk, matrix(r, b + "attn_k.weight", kv, embd));
    SOVRA_TRY(l.wv, matrix(r, b + "attn_v.weight", kv, embd));
    SOVRA_TRY(l.wo, matrix(r, b + "attn_output.weight", embd, q));
    if (arch.qkv_bias) {
      SOVRA_TRY(l.bq, vector_f32(r, b + "attn_q.bias", q));
      SOVRA_TRY(l.bk, vector_f32(r, b + "attn_k.bias", kv));
      SOVRA_TRY(l.bv, vector_f32(r, b + "attn_v.bias", kv));
    }
    SOVRA_TRY(l.ffn_norm, vector_f32(r, b + "ffn_norm.weight", embd));
    SOVRA_TRY(l.w_gate, matrix(r, b + "ffn_gate.weight", ff, embd));
    SOVRA_TRY(l.w_up, matrix(r, b + "ffn_up.weight", ff, embd));
    SOVRA_TRY(l.w_down, matrix(r, b + "ffn_down.weight", embd, ff));
  }
  return w;
}

}  // namespace sovra::model
