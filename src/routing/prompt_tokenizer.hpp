#pragma once
// PromptTokenizer: a deployment that can show how it tokenizes — what POST /tokenize and /detokenize answer
// (vLLM's shapes). The local backend implements it with the model's own tokenizer and chat template.
//
// Contract: thread-safe, no blocking I/O; errors are 400s with `param` set (a model without a chat template asked
// for messages, token ids outside the vocabulary, …).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/types/chat.hpp"
#include "common/error.hpp"

namespace sovra::routing {

struct ChatTokenizeOptions {
  bool add_generation_prompt = true;
  // nullopt: exactly as a chat completion tokenizes its prompt (so the count equals its prompt_tokens).
  std::optional<bool> add_special_tokens;
};

class PromptTokenizer {
 public:
  virtual ~PromptTokenizer() = default;
  virtual Result<std::vector<std::int32_t>> tokenize_text(std::string_view text, bool add_special_tokens) const = 0;
  virtual Result<std::vector<std::int32_t>> tokenize_chat(const api::ChatRequest& request,
                                                          const ChatTokenizeOptions& options) const = 0;
  virtual Result<std::string> detokenize(std::span<const std::int32_t> tokens) const = 0;
  virtual std::int64_t max_model_len() const = 0;
};

}  // namespace sovra::routing
