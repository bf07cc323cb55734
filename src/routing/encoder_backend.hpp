#pragma once
// EncoderBackend: an InferenceBackend for one local encoder model (model/arch/encoder.hpp) — embeddings for
// embedding models (pooling mean/cls/last), relevance scores for cross-encoder rerankers (pooling rank).
//
// Contract (beyond InferenceBackend's):
// - embed()/rerank() never run model work on the caller's thread (an I/O thread): they queue the call for the
//   backend's worker thread, which tokenizes, runs the encoder over all of a call's inputs in packed batches of
//   at most max_batch_tokens tokens (one forward pass per batch, on the backend's own compute pool) and calls
//   `done` from the worker. A full queue (max_queue calls waiting) refuses at once with 503.
// - Embeddings: token-id inputs are used as given (special tokens included), text inputs get the vocabulary's
//   special tokens ([CLS] … [SEP]). An input over the model's context is a 400 naming the limit (param "input"),
//   unless request.truncate, which keeps its first n_ctx tokens (the last one replaced by the separator for text).
//   Vectors are L2-normalized when options.normalize (the default, as OpenAI's). `dimensions`: 1..n_embd;
//   a value below n_embd needs a model that declares Matryoshka support (kMatryoshkaKey), else a 400 (param
//   "dimensions"); the vector is then truncated and re-normalized.
// - Rerank: pairs [CLS] query [SEP] document [SEP]; a document too long for the context is cut to fit, a query that
//   alone fills it is a 400. Scores are sigmoid(logit) of the model's first output, in [0, 1].
// - Embedding on a reranker, rerank on an embedding model, and start_chat/start_text/count_chat_tokens are 400s
//   naming the model (param "model"). prompt_tokens counts every token run through the encoder.
// - The destructor stops the worker; calls still queued are answered with 503.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "model/arch/encoder.hpp"
#include "routing/backend.hpp"

namespace sovra::routing {

struct EncoderBackendOptions {
  std::string model_name;                // for error messages (the served name)
  int threads = 0;                       // compute threads; 0: the machine's hardware threads
  bool normalize = true;                 // L2-normalize embeddings
  std::int64_t max_batch_tokens = 8192;  // tokens packed into one forward pass
  std::size_t max_queue = 1024;          // calls waiting before new ones are refused with 503
};

class EncoderBackend final : public InferenceBackend {
 public:
  EncoderBackend(std::shared_ptr<const model::EncoderModel> model, EncoderBackendOptions options);
  ~EncoderBackend() override;
  EncoderBackend(const EncoderBackend&) = delete;
  EncoderBackend& operator=(const EncoderBackend&) = delete;

  static Result<std::shared_ptr<EncoderBackend>> open(const std::filesystem::path& path,
                                                      EncoderBackendOptions options);

  Result<CallId> start_chat(api::ChatRequest request, api::ChatSink sink) override;
  Result<CallId> start_text(api::TextCompletionRequest request, api::TextSink sink) override;
  void cancel(CallId id) override;
  Result<TokenCount> count_chat_tokens(const api::ChatRequest& request) override;

  void embed(api::EmbeddingRequest request, std::function<void(Result<api::EmbeddingResult>)> done) override;
  void rerank(api::RerankRequest request, std::function<void(Result<api::RerankResult>)> done) override;

  const model::EncoderModel& model() const { return *model_; }
  bool is_reranker() const { return model_->hparams().pooling == model::Pooling::kRank; }

  // The work itself, on the calling thread with the given pool (the worker uses these; so do benchmarks).
  Result<api::EmbeddingResult> run_embed(const api::EmbeddingRequest& request, kernels::ThreadPool& pool) const;
  Result<api::RerankResult> run_rerank(const api::RerankRequest& request, kernels::ThreadPool& pool) const;

 private:
  Error not_a_generator() const;
  Result<std::vector<std::vector<float>>> forward_all(const std::vector<std::vector<tokenizer::TokenId>>& seqs,
                                                      kernels::ThreadPool& pool) const;
  void enqueue(std::function<void(kernels::ThreadPool&)> job, const std::function<void(Error)>& refuse);
  void worker_main();

  std::shared_ptr<const model::EncoderModel> model_;
  EncoderBackendOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void(kernels::ThreadPool*)>> queue_;  // null pool: the backend is stopping
  bool stop_ = false;
  std::thread worker_;
};

}  // namespace sovra::routing
