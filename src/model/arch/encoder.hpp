#pragma once
// EncoderModel: a BERT-family encoder (embedding model or cross-encoder reranker) loaded from GGUF, with its
// tokenizer, running whole batches of sequences in one forward pass.
//
// Contract:
// - open()/from_reader() validate hyper-parameters, tokenizer and every tensor; afterwards forward() fails only
//   on bad input (empty sequence, a sequence longer than n_ctx, a token id outside the vocabulary).
// - forward(seqs) packs all sequences' tokens into one activation matrix (every weight matrix is read once per
//   batch), attends within each sequence only (bidirectional), and pools each sequence as the GGUF says
//   (mean / cls = first token / last token / rank = classification head on the first token). The result has one
//   vector per sequence: n_embd floats, or for kRank the head's outputs (score = element 0). Vectors are not
//   normalized (see l2_normalize). A sequence's result does not depend on the other sequences in the batch
//   except through float summation order in the matmul kernels (none for float weights).
// - const and thread-safe given distinct pools: a ThreadPool is driven by one thread at a time, and matmul keeps a
//   per-thread buffer, so each calling thread brings its own pool.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "gguf/reader.hpp"
#include "kernels/thread_pool.hpp"
#include "model/arch/encoder_hparams.hpp"
#include "model/arch/encoder_weights.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sovra::model {

class EncoderModel {
 public:
  static Result<std::unique_ptr<EncoderModel>> open(const std::filesystem::path& path);
  static Result<std::unique_ptr<EncoderModel>> from_reader(gguf::Reader reader);

  const EncoderHParams& hparams() const { return hp_; }
  const tokenizer::Tokenizer& tokenizer() const { return *tokenizer_; }
  // Floats per forward() result: n_embd, or the classification head's outputs for rerankers.
  std::size_t output_size() const;

  // The model's input for one text: special tokens around it as the vocabulary asks ([CLS] … [SEP], <s> … </s>).
  std::vector<tokenizer::TokenId> tokenize(std::string_view text) const;
  // A cross-encoder's input for (query, document): [CLS] q [SEP] d [SEP] (<s> q </s></s> d </s> for vocabularies
  // whose BOS differs from the separator convention of BERT).
  std::vector<tokenizer::TokenId> tokenize_pair(std::string_view query, std::string_view document) const;

  Result<std::vector<std::vector<float>>> forward(std::span<const std::vector<tokenizer::TokenId>> seqs,
                                                  kernels::ThreadPool& pool) const;

 private:
  EncoderModel() = default;

  std::unique_ptr<gguf::Reader> reader_;  // owns the mapping the weights point into
  EncoderHParams hp_;
  EncoderWeights w_;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer_;
};

// v /= ||v||2 (unchanged when all zero).
void l2_normalize(std::span<float> v);

}  // namespace sovra::model
