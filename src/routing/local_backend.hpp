#pragma once
// LocalBackend: the InferenceBackend (and PromptTokenizer) of one model loaded in this process's engine.
//
// start_chat renders the model's chat template with the messages (and tools, unless tool_choice is none),
// tokenizes it, and submits one engine request per choice (n choices share the prompt; the prefix cache makes
// the repeats cheap); their events are merged into one stream (routing/chat_call.hpp). response_format and a
// required / named tool_choice become a grammar (routing/output_constraint.hpp) applied per choice by the engine.
// start_text does the same for legacy completions (prompts × n choices, echo, logprobs). Refusals, before
// anything runs: image / audio / file parts, prompt + max_tokens over the context (context_length_exceeded),
// chat on a model without a chat template, invalid response_format schemas, logit_bias outside the vocabulary,
// echo with logprobs (prompt logprobs are not computed), and the engine's own refusals (overloaded: 503).
//
// Contract: see routing/backend.hpp. Thread-safe.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "engine/engine_registry.hpp"
#include "routing/backend.hpp"
#include "routing/engine_call.hpp"
#include "routing/local_model.hpp"
#include "routing/prompt_tokenizer.hpp"

namespace sovra::routing {

class LocalBackend final : public InferenceBackend, public PromptTokenizer {
 public:
  explicit LocalBackend(std::shared_ptr<const LocalModel> model);
  ~LocalBackend() override;

  Result<CallId> start_chat(api::ChatRequest request, api::ChatSink sink) override;
  Result<CallId> start_text(api::TextCompletionRequest request, api::TextSink sink) override;
  void cancel(CallId id) override;
  Result<TokenCount> count_chat_tokens(const api::ChatRequest& request) override;

  Result<std::vector<std::int32_t>> tokenize_text(std::string_view text, bool add_special_tokens) const override;
  Result<std::vector<std::int32_t>> tokenize_chat(const api::ChatRequest& request,
                                                  const ChatTokenizeOptions& options) const override;
  Result<std::string> detokenize(std::span<const std::int32_t> tokens) const override;
  std::int64_t max_model_len() const override { return model_->context_length(); }

  const LocalModel& model() const { return *model_; }
  std::shared_ptr<const LocalModel> model_ptr() const { return model_; }
  // Calls started and not yet finished.
  std::size_t active_calls() const;

 private:
  Result<CallId> launch(const std::shared_ptr<EngineCall>& call, std::vector<engine::GenerationRequest> requests,
                        std::vector<bool> counts_prompt);

  // Shared with the calls' done callbacks, which may run on the engine thread after the backend is gone.
  struct CallTable {
    std::mutex mu;
    std::unordered_map<CallId, std::shared_ptr<EngineCall>> calls;
    CallId next_id = 1;
  };

  std::shared_ptr<const LocalModel> model_;
  std::shared_ptr<CallTable> table_ = std::make_shared<CallTable>();
};

// One LocalBackend per model loaded in `registry`, by name (the routing helper's config-driven router takes them
// as its local deployments). Fails when a model's chat template does not parse.
Result<std::map<std::string, std::shared_ptr<LocalBackend>>> make_local_backends(const engine::EngineRegistry& registry);

}  // namespace sovra::routing
