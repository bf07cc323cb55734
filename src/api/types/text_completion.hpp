#pragma once
// Protocol-neutral legacy completion request (POST /v1/completions), after validation.
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "api/types/generation.hpp"

namespace sovra::api {

// One prompt: text to tokenize, or token ids given by the client (OpenAI accepts both).
using Prompt = std::variant<std::string, std::vector<std::int32_t>>;

struct TextCompletionRequest {
  std::string model;
  std::vector<Prompt> prompts;  // one choice set of `n` per prompt, in order
  GenerationParams params;      // params.logprobs/top_logprobs from the integer `logprobs` field
  bool echo = false;            // prepend the prompt to each choice's text
  bool stream = false;
  bool include_usage = false;
  std::string user;
};

}  // namespace sovra::api
