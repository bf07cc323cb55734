#include "routing/chat_context.hpp"

#include <boost/json/array.hpp>

#include <fmt/format.h>

#include "chat/template/tool_call_arguments.hpp"
#include "common/json.hpp"

namespace sovra::routing {
namespace json = boost::json;

namespace {

json::object message_json(const api::ChatMessage& m) {
  json::object o;
  o["role"] = api::role_name(m.role);
  if (m.has_content) {
    o["content"] = m.content;
  } else {
    o["content"] = nullptr;
  }
  if (!m.name.empty()) o["name"] = m.name;
  if (!m.tool_calls.empty()) {
    json::array calls;
    for (const api::ToolCall& c : m.tool_calls) {
      json::object fn{{"name", c.name}, {"arguments", c.arguments}};
      calls.push_back(json::object{{"id", c.id}, {"type", "function"}, {"function", std::move(fn)}});
    }
    o["tool_calls"] = std::move(calls);
  }
  if (!m.tool_call_id.empty()) o["tool_call_id"] = m.tool_call_id;
  if (m.reasoning_content) o["reasoning_content"] = *m.reasoning_content;
  return o;
}

Result<json::array> tools_json(const std::vector<api::ToolDefinition>& tools) {
  json::array out;
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const api::ToolDefinition& t = tools[i];
    json::object fn{{"name", t.name}};
    if (!t.description.empty()) fn["description"] = t.description;
    auto params = parse_json(t.parameters_json.empty() ? "{}" : t.parameters_json);
    if (!params || !params->is_object()) {
      return fail(Error::invalid(fmt::format("tools[{}].function.parameters must be a JSON object", i),
                                 fmt::format("tools[{}].function.parameters", i)));
    }
    fn["parameters"] = std::move(*params);
    out.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
  }
  return out;
}

}  // namespace

Result<json::object> chat_context(const api::ChatRequest& request, const ChatContextOptions& options) {
  json::array messages;
  messages.reserve(request.messages.size());
  for (const api::ChatMessage& m : request.messages) messages.push_back(message_json(m));
  SOVRA_CHECK(chat::parse_tool_call_arguments(messages));
  json::object ctx;
  ctx["messages"] = std::move(messages);
  if (options.include_tools && !request.tools.empty()) {
    SOVRA_TRY(json::array tools, tools_json(request.tools));
    ctx["tools"] = std::move(tools);
  }
  ctx["add_generation_prompt"] = options.add_generation_prompt;
  return ctx;
}

}  // namespace sovra::routing
