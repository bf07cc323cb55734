#pragma once
// POST /tokenize and POST /detokenize (also under /v1/, behind the API-key filter like every /v1 route; the root
// paths are vLLM's and are given the same filter by the platform wiring): how a served model tokenizes a prompt
// or a conversation — useful for counting before sending.
//
//   /tokenize   → {"count": N, "max_model_len": C, "tokens": [ids…], "token_strs"?: [pieces…]}
//   /detokenize → {"prompt": "text"}
//
// A conversation's count equals the prompt_tokens a chat completion with the same messages and tools reports.
// Errors have OpenAI's shape: unknown model 404 model_not_found, bad fields 400 with `param`.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/router.hpp"
#include "routing/prompt_tokenizer.hpp"

namespace sovra::api::openai {

struct TokenizeRoutesDeps {
  // The tokenizer of a served model, or null when no such model is served locally.
  std::function<std::shared_ptr<const routing::PromptTokenizer>(const std::string& model)> find;
  std::vector<std::string> models;  // served model names: a request without `model` uses the only one
};

void add_tokenize_routes(http::Router& router, TokenizeRoutesDeps deps);

}  // namespace sovra::api::openai
