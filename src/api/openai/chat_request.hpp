#pragma once
// POST /v1/chat/completions request body → api::ChatRequest.
//
// Contract: every field OpenAI documents is type- and range-checked; a violation is kInvalidArgument (HTTP 400)
// with OpenAI's message wording and `param` set to the field's path ("messages[1].content[0].type"). Unknown
// fields are ignored as OpenAI ignores them; JSON null reads as absent. Image, audio and file parts are parsed, not
// refused: whether the model accepts them is the endpoint's decision (ChatMessage::has_non_text_parts). The
// deprecated `functions` / `function_call` fields map onto `tools` / `tool_choice`.
#include <boost/json/value.hpp>

#include "api/types/chat.hpp"
#include "common/error.hpp"

namespace sovra::api::openai {

inline constexpr std::size_t kMaxMessages = 100000;
inline constexpr std::size_t kMaxTools = 128;  // OpenAI's limit
inline constexpr std::size_t kMaxMetadataPairs = 16;

Result<ChatRequest> parse_chat_request(const boost::json::value& body);

// Parts of the parser, exposed for the Anthropic adapter and for tests.
Result<std::vector<ChatMessage>> parse_chat_messages(const boost::json::value* messages);
Status parse_chat_tools(const boost::json::object& body, ChatRequest& out);
Status parse_response_format(const boost::json::object& body, ChatRequest& out);

}  // namespace sovra::api::openai
