#pragma once
// Encoder GGUFs with random weights in real shapes (tests, benchmarks, `sovra gguf random --arch bert`): the
// tensors and metadata llama.cpp's converter writes for "bert" / "nomic-bert", and a synthetic WordPiece
// vocabulary ([PAD] [UNK] [CLS] [SEP] [MASK], the 26 letters as word starts and continuations, common English
// words, punctuation, then filler words "w<i>") so that any lower-case ASCII text tokenizes without [UNK].
//
// Contract: deterministic for a given spec (same bytes for the same seed). Weights are N(0, 1/cols) (so
// activations stay O(1)), norm weights 1 + N(0, 0.1), biases N(0, 0.1); 2-D weights are stored in `type` (F32,
// F16, or any type kernels::quantize_row supports with cols a multiple of its block), 1-D tensors in F32.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "gguf/types.hpp"
#include "model/arch/encoder_hparams.hpp"

namespace sovra::model {

struct RandomEncoderSpec {
  std::string arch = "bert";  // "bert" | "nomic-bert"
  std::string name = "rand-encoder";
  std::uint32_t n_embd = 64;
  std::uint32_t n_layer = 2;
  std::uint32_t n_head = 4;
  std::uint32_t n_ff = 128;
  std::uint32_t n_ctx = 128;
  std::uint32_t n_vocab = 512;  // at least the synthetic base vocabulary (~100 tokens); filler words pad it
  Pooling pooling = Pooling::kMean;
  gguf::GgmlType type = gguf::GgmlType::kF32;
  bool matryoshka = false;
  std::uint32_t n_labels = 1;  // rerankers (pooling kRank): outputs of cls.output
  std::uint64_t seed = 1;
  // XLM-RoBERTa style: the same words as a SentencePiece Unigram vocabulary ("t5": <s> <pad> </s> <unk>, "▁word"
  // pieces with scores, add_bos and add_eos) instead of WordPiece.
  bool unigram = false;
};

// Known shapes for `--shape`: "tiny" (the defaults above), "bge-small" (384 x 12 layers, 12 heads, 1536, 512,
// 30522), "minilm-l6" (384 x 6, 12 heads, 1536, 512, 30522), "nomic-embed" (768 x 12, 12 heads, 3072, 2048).
Result<RandomEncoderSpec> random_encoder_shape(const std::string& shape, const std::string& arch);

Result<std::vector<std::byte>> random_encoder_bytes(const RandomEncoderSpec& spec);
Status write_random_encoder(const RandomEncoderSpec& spec, const std::filesystem::path& path);

}  // namespace sovra::model
