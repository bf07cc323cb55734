#pragma once
// Hyper-parameters of the BERT-family encoders (embedding models and cross-encoder rerankers), read from GGUF
// metadata as llama.cpp's converter writes it ("{arch}.embedding_length", "{arch}.pooling_type", …).
//
// Architectures: "bert" (BGE, MiniLM, E5, and XLM-RoBERTa models such as multilingual-e5 / bge-m3 / bge-reranker,
// which the converter writes as "bert" with a "t5" Unigram vocabulary): post-norm, learned absolute positions,
// token types, biases, GELU FFN. "nomic-bert": fused QKV without biases, rotary positions (NeoX halves), SwiGLU.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace sovra::gguf {
class Reader;
}

namespace sovra::model {

// GGUF "{arch}.pooling_type" (llama.cpp's llama_pooling_type numbering: never renumber).
enum class Pooling : std::uint32_t {
  kNone = 0,  // not servable as an embedding: refused at load
  kMean = 1,
  kCls = 2,
  kLast = 3,
  kRank = 4,  // cross-encoder: CLS row through the classification head gives one relevance score
};

std::string_view pooling_name(Pooling p);

enum class EncoderKind { kBert, kNomicBert };

struct EncoderHParams {
  std::string arch;
  EncoderKind kind = EncoderKind::kBert;
  std::uint32_t n_vocab = 0;
  std::uint32_t n_ctx = 0;  // longest sequence, special tokens included
  std::uint32_t n_embd = 0;
  std::uint32_t n_layer = 0;
  std::uint32_t n_head = 0;
  std::uint32_t n_ff = 0;
  std::uint32_t head_dim = 0;
  float norm_eps = 1e-12f;
  float rope_freq_base = 10000.0f;  // nomic-bert
  Pooling pooling = Pooling::kCls;
  // Matryoshka representation learning: the leading components of an embedding are themselves an embedding,
  // so `dimensions` may truncate it. Declared by the GGUF key kMatryoshkaKey (bool); false when absent.
  bool matryoshka = false;
};

inline constexpr std::string_view kMatryoshkaKey = "sovra.embedding.matryoshka";

// Whether general.architecture names an encoder this file understands.
bool is_encoder_architecture(std::string_view arch);

// Reads and validates the encoder hyper-parameters (non-zero sizes, heads dividing n_embd, a known pooling type,
// non-causal attention). n_vocab comes from token_embd.weight.
Result<EncoderHParams> read_encoder_hparams(const gguf::Reader& reader);

}  // namespace sovra::model
