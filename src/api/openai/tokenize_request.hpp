#pragma once
// POST /tokenize and POST /detokenize request bodies (vLLM's shapes) → typed requests.
//
//   tokenize:   {"model"?, "prompt": "…", "add_special_tokens"?: true, "return_token_strs"?: false}
//            or {"model"?, "messages": […], "tools"?: […], "tool_choice"?, "add_generation_prompt"?: true,
//                "add_special_tokens"?: as the chat endpoint, "return_token_strs"?: false}
//   detokenize: {"model"?, "tokens": [ids…]}
//
// Contract: wrong types and values are kInvalidArgument (400) with OpenAI's wording and `param` set; messages and
// tools are read by the chat completions parser, so they mean exactly what they mean there. `model` may be absent
// (the handler picks the only served model). Never throws.
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/types/chat.hpp"
#include "common/error.hpp"

namespace sovra::api::openai {

inline constexpr std::size_t kMaxDetokenizeTokens = 1u << 20;

struct TokenizeRequest {
  std::string model;                  // empty: not given
  std::optional<std::string> prompt;  // prompt form
  std::optional<ChatRequest> chat;    // messages form (messages, tools, tool_choice)
  bool add_generation_prompt = true;
  std::optional<bool> add_special_tokens;  // absent: true for a prompt, the chat endpoint's choice for messages
  bool return_token_strs = false;
};

struct DetokenizeRequest {
  std::string model;
  std::vector<std::int32_t> tokens;
};

Result<TokenizeRequest> parse_tokenize_request(const boost::json::value& body);
Result<DetokenizeRequest> parse_detokenize_request(const boost::json::value& body);

}  // namespace sovra::api::openai
