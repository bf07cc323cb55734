#pragma once
// POST /v1/messages (and /v1/messages/count_tokens) request body → api::ChatRequest.
//
// Contract: every field Anthropic documents for text models is type- and range-checked; a violation is
// kInvalidArgument (HTTP 400, invalid_request_error) with Anthropic's wording and `param` set to the dotted path
// ("messages.1.content.0.tool_use_id"). Unknown top-level fields are ignored (clients send newer and beta fields);
// unknown content block types are refused, as is anything the served models cannot take yet (images, documents,
// server tools, a final assistant message to continue). Mapping onto the protocol-neutral request:
// - consecutive user (or assistant) turns are combined into one, as Anthropic does;
// - `system` → a leading system message; `tool_use` blocks → the assistant's tool_calls (input serialized);
//   `tool_result` blocks → tool messages (is_error prefixes the text with "Error: "); `thinking` blocks →
//   reasoning_content;
// - `tool_choice` auto/any/tool/none → auto/required/function/none, `disable_parallel_tool_use` →
//   parallel_tool_calls = false; `input_schema` → parameters_json;
// - `stop_sequences` → params.stop, `metadata.user_id` → user, `thinking` → enable_thinking (+ budget).
#include <boost/json/value.hpp>

#include <cstddef>

#include "api/types/chat.hpp"
#include "common/error.hpp"

namespace sovra::api::anthropic {

inline constexpr std::size_t kMaxMessages = 100000;
inline constexpr std::size_t kMaxTools = 1024;
inline constexpr std::size_t kMaxStopSequences = 64;
inline constexpr std::int64_t kMinThinkingBudget = 1024;

enum class RequestKind : std::uint8_t {
  kMessages,     // POST /v1/messages: max_tokens required, stream and sampling read
  kCountTokens,  // POST /v1/messages/count_tokens: only what shapes the prompt
};

Result<ChatRequest> parse_messages_request(const boost::json::value& body, RequestKind kind = RequestKind::kMessages);

// Parts of the parser (message_content.cpp, message_tools.cpp), exposed for tests.
Status parse_system(const boost::json::value* system, ChatRequest& out);
Status parse_messages(const boost::json::value* messages, ChatRequest& out);
Status parse_tools(const boost::json::object& body, ChatRequest& out);

}  // namespace sovra::api::anthropic
