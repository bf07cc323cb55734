#pragma once
// UpstreamBackend: an InferenceBackend answered by an OpenAI-compatible server (a sovra worker, vLLM, llama.cpp's
// server, TGI, Ollama). Each call is sent as a streaming chat/completions (or completions) request with the
// upstream's model name and stream_options.include_usage, whatever the client asked: the SSE chunks are relayed
// as events as they arrive (a non-streaming JSON answer is accepted too), usage comes from the upstream's usage
// chunk or, when it sends none, is counted with the deployment's tokenizer (`vocabulary`: the prompt as the model's
// chat template renders it, the relayed text of each choice, and one token for the end of a choice that did not
// stop at max_tokens) or, without one, estimated (bytes / 4); either is marked as such in the logs.
// count_chat_tokens (admission's prompt size, Anthropic's count_tokens) tokenizes likewise when it can.
//
// Retries: only when nothing of the answer has arrived — connect failure, or an error before the response head —
// at most `max_retries` per call and within the retry budget; never after the response began. Upstream HTTP
// errors become clear Errors (openai_wire.hpp: upstream_error). cancel(id) closes the upstream connection.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "routing/backend.hpp"
#include "routing/model_vocabulary.hpp"
#include "routing/retry_budget.hpp"
#include "routing/upstream_client.hpp"

namespace sovra::routing {

struct UpstreamBackendOptions {
  std::string deployment;      // for logs and errors
  std::string upstream_model;  // the model's name at the upstream
  std::string api_key;         // secret; empty: no Authorization header
  std::int64_t max_retries = 2;
  std::int64_t retry_budget_percent = 20;
  // The model's tokenizer and chat template (ModelVocabulary::open on a GGUF file); null: estimates.
  std::shared_ptr<const ModelVocabulary> vocabulary;
};

class UpstreamBackend final : public InferenceBackend, public std::enable_shared_from_this<UpstreamBackend> {
 public:
  static std::shared_ptr<UpstreamBackend> create(std::shared_ptr<UpstreamClient> client,
                                                 UpstreamBackendOptions options);

  Result<CallId> start_chat(api::ChatRequest request, api::ChatSink sink) override;
  Result<CallId> start_text(api::TextCompletionRequest request, api::TextSink sink) override;
  void cancel(CallId id) override;
  Result<TokenCount> count_chat_tokens(const api::ChatRequest& request) override;
  // POST <base>/embeddings and <base>/rerank; retried like chat calls (only before the response head).
  void embed(api::EmbeddingRequest request, std::function<void(Result<api::EmbeddingResult>)> done) override;
  void rerank(api::RerankRequest request, std::function<void(Result<api::RerankResult>)> done) override;

  // Active health check: GET <base>/models answers 200 within `timeout_ms`.
  void probe(std::int64_t timeout_ms, std::function<void(bool healthy)> done);

  // Observations for tests and metrics.
  std::int64_t retries() const { return retries_.load(); }
  std::int64_t calls_in_flight() const;
  UpstreamClient& client() { return *client_; }

  struct Call;  // one call: its request, its current exchange, the relay state

 private:
  UpstreamBackend(std::shared_ptr<UpstreamClient> client, UpstreamBackendOptions options);
  CallId begin(std::shared_ptr<Call> call);
  void attempt(const std::shared_ptr<Call>& call);
  void on_done(const std::shared_ptr<Call>& call, Status status, ExchangeFacts facts);
  void end(const std::shared_ptr<Call>& call);
  api::Usage counted_usage(const Call& call);  // options_.vocabulary set
  // One JSON request/response exchange with the same retry rules; `done` gets the body of a 2xx answer.
  void unary(std::string path, std::string body, std::function<void(Result<std::string>)> done, int attempt = 1);

  std::shared_ptr<UpstreamClient> client_;
  UpstreamBackendOptions options_;
  RetryBudget budget_;
  std::atomic<std::int64_t> retries_{0};
  std::atomic<CallId> next_id_{0};
  mutable std::mutex mu_;
  std::map<CallId, std::shared_ptr<Call>> calls_;
};

}  // namespace sovra::routing
