#pragma once
// A loaded decoder-only model (llama family) and a Context that runs its forward pass for one sequence.
//
// Contract: Model is immutable after load and may be shared by many Contexts and threads. A Context is used by
// one thread at a time; it owns the KV cache of its sequence and reusable scratch buffers, so eval() allocates
// nothing once warmed up. The engine never sees JSON and the HTTP layer never sees these types.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "common/error.hpp"
#include "common/huge_pages.hpp"
#include "gguf/reader.hpp"
#include "model/hparams.hpp"
#include "model/weights.hpp"

namespace sovra::kernels {
class ThreadPool;
}

namespace sovra::model {

class Model {
 public:
  static Result<std::unique_ptr<Model>> load(const std::filesystem::path& path);
  // For tests and tools that already hold a reader (e.g. from memory).
  static Result<std::unique_ptr<Model>> from_reader(gguf::Reader reader);

  const HyperParams& hparams() const { return hp_; }
  const Weights& weights() const { return weights_; }
  const gguf::Reader& gguf() const { return reader_; }
  // Bytes of weights read per generated token (all matrices once): the bandwidth bound of generation.
  std::uint64_t weight_bytes() const { return weight_bytes_; }

 private:
  Model(gguf::Reader reader, HyperParams hp, Weights w);
  // Moves every matmul weight out of the file mapping into one arena on transparent huge pages, repacked where
  // its kernels have a faster layout on this CPU (kernels/packed.hpp), and hands the file pages it read back to
  // the kernel, so resident memory stays about the file's size.
  void move_weights_to_arena();
  gguf::Reader reader_;
  HyperParams hp_;
  Weights weights_;
  std::uint64_t weight_bytes_ = 0;
  common::HugePageBuffer weight_arena_;  // the matmul weights, moved out of the mapping at load
};

struct ContextOptions {
  std::int32_t n_ctx = 2048;   // positions the KV cache holds
  std::int32_t n_threads = 0;  // 0: hardware concurrency
  std::int32_t n_batch = 512;  // tokens evaluated per forward step during prompt processing
};

class Context {
 public:
  Context(const Model& model, ContextOptions options);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // Appends `tokens` at positions n_past()… and returns the logits [n_vocab] of the last one, or, with
  // all_logits, of every token ([tokens.size(), n_vocab]). Errors: empty input, ids outside the vocabulary,
  // or a full KV cache; the context is unchanged by a failed call.
  Result<std::span<const float>> eval(std::span<const std::int32_t> tokens, bool all_logits = false);

  std::int32_t n_past() const { return n_past_; }
  std::int32_t n_ctx() const { return options_.n_ctx; }
  // Forgets the sequence (positions), keeping buffers.
  void reset() { n_past_ = 0; }
  // Bytes held by the KV cache.
  std::uint64_t kv_bytes() const;

 private:
  void forward_batch(const std::int32_t* tokens, std::int32_t n, bool all_logits, float* logits_out);

  const Model& model_;
  ContextOptions options_;
  std::unique_ptr<kernels::ThreadPool> pool_;
  std::int32_t n_past_ = 0;
  std::vector<float> k_cache_;  // [n_layer][n_ctx][n_embd_kv]
  std::vector<float> v_cache_;  // [n_layer][n_ctx][n_embd_kv]
  // Scratch, sized for n_batch tokens.
  std::vector<float> x_, xn_, q_, k_, v_, attn_, gate_, up_, scores_;
  std::vector<float> logits_;
};

}  // namespace sovra::model
