#pragma once
// The context a chat template is rendered with, built from a protocol-neutral chat request the way Hugging Face's
// apply_chat_template receives it from an OpenAI-compatible server: messages (content as text, assistant tool
// calls with their arguments as objects, tool results with tool_call_id), tools as OpenAI function definitions,
// add_generation_prompt. Special tokens are added by the caller (they belong to the model).
#include <boost/json/object.hpp>

#include "api/types/chat.hpp"
#include "common/error.hpp"

namespace sovra::routing {

struct ChatContextOptions {
  bool add_generation_prompt = true;
  bool include_tools = true;  // false for tool_choice none: the template does not see the tools
};

// Fails (400, param naming the field) when a tool definition's parameters or an assistant tool call's arguments
// are not JSON objects.
Result<boost::json::object> chat_context(const api::ChatRequest& request, const ChatContextOptions& options);

}  // namespace sovra::routing
