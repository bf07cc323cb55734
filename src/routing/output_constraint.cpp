#include "routing/output_constraint.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <fmt/format.h>

#include "common/json.hpp"
#include "engine/sampling/grammar/grammar_builder.hpp"
#include "engine/sampling/grammar/json_schema.hpp"

namespace sovra::routing {
namespace json = boost::json;
using sampling::grammar::Grammar;

namespace {

Error with_param(Error e, std::string param) {
  e.code = ErrorCode::kInvalidArgument;
  e.http_status = 400;
  e.param = std::move(param);
  return e;
}

Result<std::shared_ptr<const Grammar>> response_format_grammar(const api::ResponseFormat& rf) {
  if (rf.kind == api::ResponseFormat::Kind::kJsonObject) {
    auto g = sampling::grammar::json_object_grammar();
    if (!g) return fail(with_param(std::move(g).error(), "response_format"));
    return g;
  }
  auto schema = parse_json(rf.schema_json.empty() ? "{}" : rf.schema_json);
  if (!schema) return fail(with_param(std::move(schema).error(), "response_format.json_schema.schema"));
  auto g = sampling::grammar::compile_json_schema(*schema, {.strict = rf.strict});
  if (!g) return fail(with_param(std::move(g).error(), "response_format.json_schema.schema"));
  return g;
}

// The JSON object of one call to `tool` in the syntax's key names.
Result<json::object> call_schema(const api::ToolDefinition& tool, std::string_view arguments_key, std::size_t i) {
  auto params = parse_json(tool.parameters_json.empty() ? "{}" : tool.parameters_json);
  if (!params || !params->is_object()) {
    return fail(Error::invalid(fmt::format("tools[{}].function.parameters must be a JSON object", i),
                               fmt::format("tools[{}].function.parameters", i)));
  }
  json::object args = std::move(params->as_object());
  if (!args.contains("type") && !args.contains("properties")) args["type"] = "object";
  json::object props;
  props["name"] = json::object{{"const", tool.name}};
  props[arguments_key] = std::move(args);
  return json::object{{"type", "object"},
                      {"properties", std::move(props)},
                      {"required", json::array{"name", json::string(arguments_key)}},
                      {"additionalProperties", false}};
}

Result<std::shared_ptr<const Grammar>> tool_call_grammar(const api::ChatRequest& request, chat::OutputSyntax syntax,
                                                         std::string_view model_name) {
  std::string_view arguments_key = "arguments";
  std::string prefix;
  std::string suffix;
  std::string separator;  // between two calls (parallel_tool_calls)
  switch (syntax.format) {
    case chat::OutputFormat::kHermes:
      prefix = "<tool_call>\n";
      suffix = "\n</tool_call>";
      separator = suffix + "\n" + prefix;
      break;
    case chat::OutputFormat::kLlama3:
      arguments_key = "parameters";
      separator = "; ";
      break;
    case chat::OutputFormat::kMistral:
      prefix = "[TOOL_CALLS][";
      suffix = "]";
      separator = ", ";
      break;
    case chat::OutputFormat::kPlain:
      return fail(Error::invalid(
          fmt::format("model '{}' has no tool-call syntax (its chat template does not describe tool calls), so "
                      "tool_choice cannot force a call",
                      model_name),
          "tool_choice"));
    default:
      return std::shared_ptr<const Grammar>();  // harmony, DeepSeek R1: unconstrained
  }
  json::array alternatives;
  bool strict = true;
  for (std::size_t i = 0; i < request.tools.size(); ++i) {
    const api::ToolDefinition& t = request.tools[i];
    if (request.tool_choice.mode == api::ToolChoice::Mode::kFunction && t.name != request.tool_choice.function_name) {
      continue;
    }
    SOVRA_TRY(json::object s, call_schema(t, arguments_key, i));
    alternatives.push_back(std::move(s));
    strict = strict && t.strict;
  }
  if (alternatives.empty()) return fail(Error::invalid("tool_choice names no offered tool", "tool_choice"));
  json::value schema =
      alternatives.size() == 1 ? json::value(alternatives[0]) : json::value(json::object{{"anyOf", alternatives}});
  // parallel_tool_calls = false: exactly one call; else one or more.
  auto g = sampling::grammar::compile_json_schema(
      schema, {.strict = strict,
               .prefix = prefix,
               .suffix = suffix,
               .max_values = request.parallel_tool_calls ? sampling::grammar::kUnbounded : 1,
               .separator = separator});
  if (!g) return fail(with_param(std::move(g).error(), "tools"));
  return g;
}

}  // namespace

Result<std::shared_ptr<const Grammar>> output_grammar(const api::ChatRequest& request, chat::OutputSyntax syntax,
                                                      std::string_view model_name) {
  const auto mode = request.tool_choice.mode;
  if (!request.tools.empty() &&
      (mode == api::ToolChoice::Mode::kRequired || mode == api::ToolChoice::Mode::kFunction)) {
    return tool_call_grammar(request, syntax, model_name);
  }
  if (request.response_format.kind != api::ResponseFormat::Kind::kText) {
    return response_format_grammar(request.response_format);
  }
  return std::shared_ptr<const Grammar>();
}

}  // namespace sovra::routing
