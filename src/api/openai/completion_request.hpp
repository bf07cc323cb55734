#pragma once
// POST /v1/completions (legacy) request body → api::TextCompletionRequest.
//
// Contract: as parse_chat_request (OpenAI's messages and `param` paths, unknown fields ignored, null = absent).
// `prompt` is a string, an array of strings, an array of token ids or an array of token-id arrays. `suffix` (fill
// in the middle) and `best_of` > 1 are refused with a clear 400: the engine does not implement them.
#include <boost/json/value.hpp>

#include "api/types/text_completion.hpp"
#include "common/error.hpp"

namespace sovra::api::openai {

inline constexpr std::size_t kMaxPrompts = 2048;  // prompts in one request
inline constexpr std::int32_t kMaxLegacyLogprobs = 5;

Result<TextCompletionRequest> parse_completion_request(const boost::json::value& body);

}  // namespace sovra::api::openai
