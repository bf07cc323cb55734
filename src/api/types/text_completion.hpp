#pragma once
// Protocol-neutral legacy completion request (POST /v1/completions), after validation.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "api/types/completion.hpp"
#include "api/types/generation.hpp"

namespace sovra::api {

// One prompt: text to tokenize, or token ids given by the client (OpenAI accepts both).
using Prompt = std::variant<std::string, std::vector<std::int32_t>>;

struct TextCompletionRequest {
  std::string model;
  std::vector<Prompt> prompts;  // one choice set of `n` per prompt, in order
  GenerationParams params;      // params.logprobs/top_logprobs from the integer `logprobs` field
  // Prepend the prompt to each choice's text. The protocol handler does this (it knows the prompt text); a backend
  // receives echo = false and never repeats the prompt itself.
  bool echo = false;
  // echo together with logprobs: the handler sets this (and echo = false), and the backend reports the logprobs of
  // the prompt's tokens in each choice's first delta (TextDelta::prompt_logprobs); a backend that cannot leaves
  // them out.
  bool prompt_logprobs = false;
  bool stream = false;
  bool include_usage = false;
  std::string user;
};

// One choice of a legacy completion. Choice `index` = prompt_index × n + k (k-th sample of that prompt).
struct TextChoice {
  std::int32_t index = 0;
  std::string text;  // with the echoed prompt in front when the request asked for echo
  FinishReason finish_reason = FinishReason::kStop;
  std::optional<std::vector<TokenLogprob>> logprobs;  // completion tokens only; set when the request asked
  std::size_t logprobs_text_offset = 0;               // bytes of `text` before the first token of `logprobs` (the echo)
};

struct TextCompletion {
  CompletionHeader header;
  std::vector<TextChoice> choices;
  Usage usage;
};

}  // namespace sovra::api
