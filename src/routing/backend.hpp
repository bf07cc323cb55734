#pragma once
// InferenceBackend: one place a model can run — the embedded engine (routing/local_backend, over EngineClient) or
// an upstream OpenAI-compatible server (routing/upstream_backend: a sovra worker, vLLM, llama.cpp's server, …).
// The API handlers (api/openai, api/anthropic) speak only to this interface, never to the engine or a socket.
//
// Contract:
// - start_chat / start_text validate what only the backend can know (prompt + max_tokens over the model's
//   context, a modality the model lacks, …) and either refuse at once (an Error with `param` and http_status set;
//   the sink is never called) or accept the call and return its id. The sink then receives the stream described
//   in api/types/events.hpp. Refusal for load is kUnavailable with http_status 503 ("overloaded: …").
// - The request's `model` is the name the client used; the backend answers for the deployment it was built for
//   (an upstream may know the model under another name: the backend translates).
// - cancel(id) may be called from any thread, at any time, any number of times (also for finished or unknown
//   ids); a cancelled call ends with kFinished whose usage counts what was actually processed, and stops
//   consuming compute/upstream resources promptly.
// - count_chat_tokens: the prompt tokens the call would use (template applied), for admission control and
//   Anthropic's count_tokens. A backend that cannot count exactly returns an estimate (upstreams: by tokenizing
//   locally when the model's tokenizer is known, else bytes / 4) and says so in `exact`.
// - embed / rerank: asynchronous; `done` is called exactly once, from any thread. Backends without encoders keep
//   the default, which refuses with a 400 naming the model.
// - All methods are thread-safe.
#include <cstdint>
#include <functional>
#include <string>

#include "api/types/chat.hpp"
#include "api/types/embedding.hpp"
#include "api/types/events.hpp"
#include "api/types/text_completion.hpp"
#include "common/error.hpp"

namespace sovra::routing {

using CallId = std::uint64_t;

struct TokenCount {
  std::int64_t tokens = 0;
  bool exact = true;
};

class InferenceBackend {
 public:
  virtual ~InferenceBackend() = default;

  virtual Result<CallId> start_chat(api::ChatRequest request, api::ChatSink sink) = 0;
  virtual Result<CallId> start_text(api::TextCompletionRequest request, api::TextSink sink) = 0;
  virtual void cancel(CallId id) = 0;
  virtual Result<TokenCount> count_chat_tokens(const api::ChatRequest& request) = 0;

  virtual void embed(api::EmbeddingRequest request, std::function<void(Result<api::EmbeddingResult>)> done);
  virtual void rerank(api::RerankRequest request, std::function<void(Result<api::RerankResult>)> done);
};

}  // namespace sovra::routing
