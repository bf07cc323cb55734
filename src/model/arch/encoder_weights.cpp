#include "model/arch/encoder_weights.hpp"

#include <string>

#include "gguf/reader.hpp"
#include "kernels/matmul.hpp"
#include "kernels/quant.hpp"

namespace sovra::model {
namespace {

std::string shape_text(const gguf::TensorInfo& t) {
  std::string s = "[";
  for (std::uint32_t i = 0; i < t.n_dims; ++i) s += (i ? ", " : "") + std::to_string(t.dims[i]);
  return s + "]";
}

// A matrix of `cols` columns; rows == 0 means any row count (returned in Matrix::rows).
Result<Matrix> matrix(const gguf::Reader& r, const std::string& name, std::int64_t rows, std::int64_t cols) {
  const auto* t = r.find_tensor(name);
  if (t == nullptr) return Error::corrupt("encoder is missing tensor '" + name + "'");
  const bool ok = t->n_dims == 2 && static_cast<std::int64_t>(t->dims[0]) == cols &&
                  (rows == 0 || static_cast<std::int64_t>(t->dims[1]) == rows) && t->dims[1] > 0;
  if (!ok) {
    return Error::corrupt("tensor '" + name + "' has shape " + shape_text(*t) + ", expected [" +
                          std::to_string(cols) + ", " + (rows == 0 ? std::string("n") : std::to_string(rows)) + "]");
  }
  Matrix m{t->type, t->data.data(), static_cast<std::int64_t>(t->dims[1]), cols};
  if (auto s = kernels::check_row(m.type, cols); !s) {
    return Error::invalid("tensor '" + name + "': type " + std::string(gguf::type_name(t->type)) +
                          " cannot be used here");
  }
  return m;
}

// A matmul operand: also checked against the matmul kernels.
Result<Matrix> weight(const gguf::Reader& r, const std::string& name, std::int64_t rows, std::int64_t cols) {
  SOVRA_TRY(auto m, matrix(r, name, rows, cols));
  if (auto s = kernels::check_weight({m.type, m.data, m.rows, m.cols}); !s) {
    return Error::invalid("tensor '" + name + "': " + s.error().message);
  }
  return m;
}

Result<const float*> vector_f32(const gguf::Reader& r, const std::string& name, std::int64_t n) {
  const auto* t = r.find_tensor(name);
  if (t == nullptr) return Error::corrupt("encoder is missing tensor '" + name + "'");
  if (t->type != gguf::GgmlType::kF32) {
    return Error::invalid("tensor '" + name + "' must be F32, is " + std::string(gguf::type_name(t->type)));
  }
  if (static_cast<std::int64_t>(t->n_elements) != n) {
    return Error::corrupt("tensor '" + name + "' has " + std::to_string(t->n_elements) + " elements, expected " +
                          std::to_string(n));
  }
  return reinterpret_cast<const float*>(t->data.data());
}

Result<const float*> optional_f32(const gguf::Reader& r, const std::string& name, std::int64_t n) {
  if (r.find_tensor(name) == nullptr) return static_cast<const float*>(nullptr);
  return vector_f32(r, name, n);
}

Result<Norm> norm(const gguf::Reader& r, const std::string& base, std::int64_t n) {
  Norm out;
  SOVRA_TRY(out.weight, vector_f32(r, base + ".weight", n));
  SOVRA_TRY(out.bias, vector_f32(r, base + ".bias", n));
  return out;
}

}  // namespace

Result<EncoderWeights> bind_encoder_weights(const gguf::Reader& r, const EncoderHParams& hp) {
  EncoderWeights w;
  const std::int64_t e = hp.n_embd;
  const std::int64_t ff = hp.n_ff;
  const bool bert = hp.kind == EncoderKind::kBert;
  SOVRA_TRY(w.token_embd, matrix(r, "token_embd.weight", hp.n_vocab, e));
  if (r.find_tensor("token_types.weight") != nullptr) {
    SOVRA_TRY(w.token_types, matrix(r, "token_types.weight", 0, e));
  }
  if (bert) {
    SOVRA_TRY(w.position_embd, matrix(r, "position_embd.weight", 0, e));
  }
  if (bert && w.position_embd.rows < static_cast<std::int64_t>(hp.n_ctx)) {
    return Error::corrupt("tensor 'position_embd.weight' has fewer rows than context_length");
  }
  SOVRA_TRY(w.embd_norm, norm(r, "token_embd_norm", e));
  w.layers.resize(hp.n_layer);
  for (std::uint32_t i = 0; i < hp.n_layer; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    auto& l = w.layers[i];
    if (bert) {
      SOVRA_TRY(l.wq, weight(r, b + "attn_q.weight", e, e));
      SOVRA_TRY(l.wk, weight(r, b + "attn_k.weight", e, e));
      SOVRA_TRY(l.wv, weight(r, b + "attn_v.weight", e, e));
      SOVRA_TRY(l.bq, optional_f32(r, b + "attn_q.bias", e));
      SOVRA_TRY(l.bk, optional_f32(r, b + "attn_k.bias", e));
      SOVRA_TRY(l.bv, optional_f32(r, b + "attn_v.bias", e));
    } else {
      SOVRA_TRY(l.wqkv, weight(r, b + "attn_qkv.weight", 3 * e, e));
    }
    SOVRA_TRY(l.wo, weight(r, b + "attn_output.weight", e, e));
    SOVRA_TRY(l.bo, optional_f32(r, b + "attn_output.bias", e));
    SOVRA_TRY(l.attn_out_norm, norm(r, b + "attn_output_norm", e));
    SOVRA_TRY(l.w_up, weight(r, b + "ffn_up.weight", ff, e));
    if (!bert) {
      SOVRA_TRY(l.w_gate, weight(r, b + "ffn_gate.weight", ff, e));
    }
    SOVRA_TRY(l.w_down, weight(r, b + "ffn_down.weight", e, ff));
    SOVRA_TRY(l.b_up, optional_f32(r, b + "ffn_up.bias", ff));
    SOVRA_TRY(l.b_down, optional_f32(r, b + "ffn_down.bias", e));
    SOVRA_TRY(l.layer_out_norm, norm(r, b + "layer_output_norm", e));
  }
  if (hp.pooling == Pooling::kRank) {
    SOVRA_TRY(w.cls, weight(r, "cls.weight", 0, e));
    SOVRA_TRY(w.cls_b, vector_f32(r, "cls.bias", w.cls.rows));
    if (r.find_tensor("cls.output.weight") != nullptr) {
      SOVRA_TRY(w.cls_out, weight(r, "cls.output.weight", 0, w.cls.rows));
      SOVRA_TRY(w.cls_out_b, vector_f32(r, "cls.output.bias", w.cls_out.rows));
    }
  }
  return w;
}

}  // namespace sovra::model
