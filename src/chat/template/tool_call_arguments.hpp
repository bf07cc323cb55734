#pragma once
// OpenAI clients send an assistant message's tool-call arguments as a JSON *string*
// (`"arguments": "{\"city\": \"Stockholm\"}"`); chat templates expect the object (they iterate it or tojson it).
// The API layer calls this on the request's messages before rendering.
#include <boost/json/array.hpp>

#include "common/error.hpp"

namespace sovra::chat {

// For every message's `tool_calls[*].function.arguments` that is a string holding a JSON object, replaces the
// string with the object. An empty string becomes {}. A string that is not a JSON object is an
// invalid-argument Error naming the field ("messages[1].tool_calls[0].function.arguments").
Status parse_tool_call_arguments(boost::json::array& messages);

}  // namespace sovra::chat
