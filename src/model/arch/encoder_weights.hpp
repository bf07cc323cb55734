#pragma once
// Binding of a BERT-family encoder's GGUF tensors (llama.cpp names: token_embd, token_types, position_embd,
// token_embd_norm, blk.N.attn_{q,k,v,qkv,output}, blk.N.attn_output_norm, blk.N.ffn_{up,gate,down},
// blk.N.layer_output_norm, cls, cls.output) with every shape checked. Views point into the mapping.
#include <vector>

#include "common/error.hpp"
#include "model/arch/encoder_hparams.hpp"
#include "model/weights.hpp"

namespace sovra::model {

struct Norm {
  const float* weight = nullptr;  // [n_embd]
  const float* bias = nullptr;    // [n_embd]
};

struct EncoderLayerWeights {
  Matrix wq, wk, wv;  // bert: [n_embd, n_embd] each
  Matrix wqkv;        // nomic-bert: [3 n_embd, n_embd]
  Matrix wo;
  const float* bq = nullptr;  // optional biases (bert has them, nomic-bert does not)
  const float* bk = nullptr;
  const float* bv = nullptr;
  const float* bo = nullptr;
  Norm attn_out_norm;
  Matrix w_up, w_gate, w_down;  // w_gate only for nomic-bert (SwiGLU)
  const float* b_up = nullptr;
  const float* b_down = nullptr;
  Norm layer_out_norm;
};

struct EncoderWeights {
  Matrix token_embd;     // [n_vocab, n_embd]
  Matrix token_types;    // [n_types, n_embd]; rows == 0 when absent
  Matrix position_embd;  // [n_ctx, n_embd]; bert only
  Norm embd_norm;
  std::vector<EncoderLayerWeights> layers;
  // Classification head of a reranker (pooling kRank): tanh(cls · x + cls_b), then cls_out when present.
  Matrix cls;
  const float* cls_b = nullptr;
  Matrix cls_out;  // [n_labels, n_embd]; rows == 0 when absent (the score is then cls's first output)
  const float* cls_out_b = nullptr;
};

Result<EncoderWeights> bind_encoder_weights(const gguf::Reader& reader, const EncoderHParams& hp);

}  // namespace sovra::model
