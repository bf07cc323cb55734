// `tools`, `tool_choice`, `parallel_tool_calls`, the deprecated `functions` / `function_call`, and
// `response_format` of a chat completion request.
#include <fmt/format.h>
#include <boost/json/serialize.hpp>

#include <algorithm>

#include "api/openai/chat_request.hpp"
#include "api/openai/fields.hpp"

namespace sovra::api::openai {
namespace {

constexpr std::size_t kMaxFunctionName = 64;

bool valid_function_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxFunctionName) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// {name, description?, parameters?, strict?} — the function object of a tool, or a legacy `functions` entry.
Result<ToolDefinition> parse_function(const Fields& fn) {
  SOVRA_TRY(std::string_view name, fn.required_string("name"));
  if (!valid_function_name(name)) {
    return fail(Error::invalid(
        fmt::format("Invalid '{}': string does not match pattern. Expected a string that matches the pattern "
                    "'^[a-zA-Z0-9_-]{{1,64}}$'.",
                    fn.param("name")),
        fn.param("name")));
  }
  ToolDefinition out{.name = std::string(name), .parameters_json = "{}"};
  SOVRA_TRY(auto description, fn.string("description"));
  if (description) out.description = *description;
  SOVRA_TRY(const boost::json::object* parameters, fn.object("parameters"));
  if (parameters != nullptr) out.parameters_json = boost::json::serialize(*parameters);
  SOVRA_TRY(auto strict, fn.boolean("strict"));
  out.strict = strict.value_or(false);
  return out;
}

Status parse_tools(const Fields& body, ChatRequest& out) {
  SOVRA_TRY(const boost::json::array* tools, body.array("tools"));
  SOVRA_TRY(const boost::json::array* functions, body.array("functions"));
  if (tools != nullptr && functions != nullptr) {
    return fail(Error::invalid("Use either 'tools' or the deprecated 'functions', not both.", "functions"));
  }
  const boost::json::array* list = tools != nullptr ? tools : functions;
  if (list == nullptr) return {};
  const char* key = tools != nullptr ? "tools" : "functions";
  if (list->size() > kMaxTools) {
    return fail(Error::invalid(fmt::format("Invalid '{}': array too long. Expected an array with maximum length "
                                           "{}, but got an array with length {} instead.",
                                           key, kMaxTools, list->size()),
                               key));
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string path = fmt::format("{}[{}]", key, i);
    const boost::json::value& v = (*list)[i];
    if (!v.is_object()) return fail(type_error(path, "an object", v));
    const Fields tool(v.get_object(), path);
    ToolDefinition def;
    if (tools != nullptr) {
      SOVRA_TRY(std::string_view type, tool.required_string("type"));
      if (type != "function") {
        return fail(Error::invalid(fmt::format("Invalid value: '{}'. Supported values are: 'function'.", type),
                                   tool.param("type")));
      }
      SOVRA_TRY(const boost::json::object* function, tool.object("function"));
      if (function == nullptr) {
        return fail(Error::invalid(fmt::format("Missing required parameter: '{}'.", tool.param("function")),
                                   tool.param("function")));
      }
      SOVRA_TRY(def, parse_function(Fields(*function, tool.param("function"))));
    } else {
      SOVRA_TRY(def, parse_function(tool));
    }
    for (const ToolDefinition& other : out.tools) {
      if (other.name == def.name) {
        return fail(Error::invalid(fmt::format("Invalid '{}': duplicate function name '{}'.", path, def.name), path));
      }
    }
    out.tools.push_back(std::move(def));
  }
  return {};
}

Status require_tool(const ChatRequest& out, std::string_view name, const std::string& param) {
  for (const ToolDefinition& t : out.tools) {
    if (t.name == name) return {};
  }
  return fail(Error::invalid(fmt::format("Invalid '{}': no function named '{}' was specified in 'tools'.", param, name),
                             param));
}

Status parse_tool_choice(const Fields& body, ChatRequest& out) {
  const bool legacy = body.find("tool_choice") == nullptr && body.find("function_call") != nullptr;
  const char* key = legacy ? "function_call" : "tool_choice";
  out.tool_choice.mode = out.tools.empty() ? ToolChoice::Mode::kNone : ToolChoice::Mode::kAuto;
  const boost::json::value* choice = body.find(key);
  if (choice == nullptr) return {};
  if (choice->is_string()) {
    const std::string_view mode(choice->get_string().data(), choice->get_string().size());
    if (mode == "none") {
      out.tool_choice.mode = ToolChoice::Mode::kNone;
    } else if (mode == "auto") {
      out.tool_choice.mode = ToolChoice::Mode::kAuto;
    } else if (mode == "required" && !legacy) {
      out.tool_choice.mode = ToolChoice::Mode::kRequired;
    } else {
      return fail(Error::invalid(
          fmt::format("Invalid value: '{}'. Supported values are: 'none', 'auto', and 'required'.", mode), key));
    }
  } else if (choice->is_object()) {
    const Fields fields(choice->get_object(), key);
    std::string_view name;
    if (legacy) {
      SOVRA_TRY(name, fields.required_string("name"));
    } else {
      SOVRA_TRY(std::string_view type, fields.required_string("type"));
      if (type != "function") {
        return fail(Error::invalid(fmt::format("Invalid value: '{}'. Supported values are: 'function'.", type),
                                   fields.param("type")));
      }
      SOVRA_TRY(const boost::json::object* function, fields.object("function"));
      if (function == nullptr) {
        return fail(Error::invalid(fmt::format("Missing required parameter: '{}'.", fields.param("function")),
                                   fields.param("function")));
      }
      SOVRA_TRY(name, Fields(*function, fields.param("function")).required_string("name"));
    }
    SOVRA_CHECK(require_tool(out, name, key));
    out.tool_choice.mode = ToolChoice::Mode::kFunction;
    out.tool_choice.function_name = name;
  } else {
    return fail(type_error(key, "a string or an object", *choice));
  }
  if (out.tools.empty() && out.tool_choice.mode != ToolChoice::Mode::kNone) {
    return fail(Error::invalid(
        fmt::format("Invalid value for '{}': '{}' is only allowed when 'tools' are specified.", key, key), key));
  }
  return {};
}

}  // namespace

Status parse_chat_tools(const boost::json::object& body, ChatRequest& out) {
  const Fields fields(body, "");
  SOVRA_CHECK(parse_tools(fields, out));
  SOVRA_CHECK(parse_tool_choice(fields, out));
  SOVRA_TRY(auto parallel, fields.boolean("parallel_tool_calls"));
  out.parallel_tool_calls = parallel.value_or(true);
  return {};
}

Status parse_response_format(const boost::json::object& body, ChatRequest& out) {
  const Fields fields(body, "");
  SOVRA_TRY(const boost::json::object* format, fields.object("response_format"));
  if (format == nullptr) return {};
  const Fields rf(*format, "response_format");
  SOVRA_TRY(std::string_view type, rf.required_string("type"));
  if (type == "text") {
    out.response_format.kind = ResponseFormat::Kind::kText;
  } else if (type == "json_object") {
    out.response_format.kind = ResponseFormat::Kind::kJsonObject;
  } else if (type == "json_schema") {
    SOVRA_TRY(const boost::json::object* js, rf.object("json_schema"));
    if (js == nullptr) {
      return fail(
          Error::invalid("Missing required parameter: 'response_format.json_schema'.", "response_format.json_schema"));
    }
    const Fields schema(*js, "response_format.json_schema");
    SOVRA_TRY(std::string_view name, schema.required_string("name"));
    if (!valid_function_name(name)) {
      return fail(Error::invalid(
          "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that "
          "matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.",
          "response_format.json_schema.name"));
    }
    out.response_format.kind = ResponseFormat::Kind::kJsonSchema;
    out.response_format.schema_name = name;
    SOVRA_TRY(const boost::json::object* s, schema.object("schema"));
    out.response_format.schema_json = s != nullptr ? boost::json::serialize(*s) : "{}";
    SOVRA_TRY(auto strict, schema.boolean("strict"));
    out.response_format.strict = strict.value_or(false);
  } else {
    return fail(Error::invalid(
        fmt::format("Invalid value: '{}'. Supported values are: 'text', 'json_object', and 'json_schema'.", type),
        "response_format.type"));
  }
  return {};
}

}  // namespace sovra::api::openai
