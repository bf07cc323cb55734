// `tools` and `tool_choice` of an Anthropic request.
#include <fmt/format.h>
#include <boost/json/serialize.hpp>

#include <algorithm>

#include "api/anthropic/fields.hpp"
#include "api/anthropic/messages_request.hpp"

namespace sovra::api::anthropic {
namespace {

constexpr std::size_t kMaxToolName = 128;

bool valid_tool_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxToolName) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

Result<ToolDefinition> parse_tool(const boost::json::value& v, const std::string& path) {
  if (!v.is_object()) return fail(kind_error(path, "dictionary"));
  const Fields tool(v.get_object(), path);
  SOVRA_TRY(auto type, tool.string("type"));
  if (type && *type != "custom") {
    // bash_20250124, text_editor_*, web_search_*: tools Anthropic runs or defines; a local model knows none of them.
    return fail(
        field_error(tool.param("type"), fmt::format("tool type '{}' is not supported: Sovra serves custom tools (name, "
                                                    "description, input_schema) only",
                                                    *type)));
  }
  SOVRA_TRY(std::string_view name, tool.required_string("name"));
  if (!valid_tool_name(name)) {
    return fail(field_error(tool.param("name"), "String should match pattern '^[a-zA-Z0-9_-]{1,128}$'"));
  }
  ToolDefinition out{.name = std::string(name)};
  SOVRA_TRY(auto description, tool.string("description"));
  if (description) out.description = *description;
  SOVRA_TRY(const boost::json::object* schema, tool.object("input_schema"));
  if (schema == nullptr) return fail(field_error(tool.param("input_schema"), "Field required"));
  const Fields s(*schema, tool.param("input_schema"));
  SOVRA_TRY(auto schema_type, s.string("type"));
  if (!schema_type) return fail(field_error(s.param("type"), "Field required"));
  if (*schema_type != "object") return fail(field_error(s.param("type"), "Input should be 'object'"));
  out.parameters_json = boost::json::serialize(*schema);
  return out;
}

Status parse_tool_choice(const Fields& body, ChatRequest& out) {
  out.tool_choice.mode = out.tools.empty() ? ToolChoice::Mode::kNone : ToolChoice::Mode::kAuto;
  SOVRA_TRY(const boost::json::object* choice, body.object("tool_choice"));
  if (choice == nullptr) return {};
  const Fields f(*choice, "tool_choice");
  SOVRA_TRY(std::string_view type, f.required_string("type"));
  if (type == "none") {
    out.tool_choice.mode = ToolChoice::Mode::kNone;
    return {};
  }
  if (type == "auto") {
    out.tool_choice.mode = ToolChoice::Mode::kAuto;
  } else if (type == "any") {
    out.tool_choice.mode = ToolChoice::Mode::kRequired;
  } else if (type == "tool") {
    SOVRA_TRY(std::string_view name, f.required_string("name"));
    const bool known =
        std::any_of(out.tools.begin(), out.tools.end(), [&](const ToolDefinition& t) { return t.name == name; });
    if (!known) {
      return fail(field_error(f.param("name"), fmt::format("tool '{}' is not among the request's tools", name)));
    }
    out.tool_choice.mode = ToolChoice::Mode::kFunction;
    out.tool_choice.function_name = name;
  } else {
    return fail(field_error(f.param("type"), "Input should be 'auto', 'any', 'tool' or 'none'"));
  }
  if (out.tools.empty()) {
    return fail(field_error("tool_choice", fmt::format("tool_choice '{}' needs 'tools' in the request", type)));
  }
  SOVRA_TRY(auto disable_parallel, f.boolean("disable_parallel_tool_use"));
  out.parallel_tool_calls = !disable_parallel.value_or(false);
  return {};
}

}  // namespace

Status parse_tools(const boost::json::object& body, ChatRequest& out) {
  const Fields fields(body, "");
  SOVRA_TRY(const boost::json::array* tools, fields.array("tools"));
  if (tools != nullptr) {
    if (tools->size() > kMaxTools) {
      return fail(field_error("tools", fmt::format("List should have at most {} items", kMaxTools)));
    }
    for (std::size_t i = 0; i < tools->size(); ++i) {
      const std::string path = join_path("tools", i);
      SOVRA_TRY(ToolDefinition def, parse_tool((*tools)[i], path));
      for (const ToolDefinition& other : out.tools) {
        if (other.name == def.name) return fail(field_error("tools", "Tool names must be unique."));
      }
      out.tools.push_back(std::move(def));
    }
  }
  return parse_tool_choice(fields, out);
}

}  // namespace sovra::api::anthropic
