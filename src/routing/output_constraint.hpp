#pragma once
// Which grammar a chat request imposes on the model's output: response_format json_object / json_schema (strict
// or not), and tool_choice `required` or a named function (tool calls in the model's own tool-call syntax, each
// call's arguments following the tool's parameter schema: one or more calls with parallel_tool_calls, exactly one
// without). Null when the output is free.
//
// Tool-call syntaxes constrained: Hermes (<tool_call>{"name", "arguments"}</tool_call>), Llama 3 ({"name",
// "parameters"}) and Mistral ([TOOL_CALLS][{"name", "arguments"}]). A model whose output syntax has no tool calls
// (plain) is refused for required / named tool_choice; harmony and DeepSeek R1 are left unconstrained (the
// parser still reads their calls).
#include <memory>

#include "api/types/chat.hpp"
#include "chat/parse/output_format.hpp"
#include "common/error.hpp"
#include "engine/sampling/grammar/grammar.hpp"

namespace sovra::routing {

// Errors are 400s naming response_format, tools or tool_choice.
Result<std::shared_ptr<const sampling::grammar::Grammar>> output_grammar(const api::ChatRequest& request,
                                                                         chat::OutputSyntax syntax,
                                                                         std::string_view model_name);

}  // namespace sovra::routing
