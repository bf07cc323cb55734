#include "chat/template/tool_call_arguments.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>

#include "common/json.hpp"

namespace sovra::chat {

Status parse_tool_call_arguments(boost::json::array& messages) {
  for (std::size_t i = 0; i < messages.size(); ++i) {
    auto* message = messages[i].if_object();
    if (message == nullptr) continue;
    auto* calls_value = message->if_contains("tool_calls");
    auto* calls = calls_value != nullptr ? calls_value->if_array() : nullptr;
    if (calls == nullptr) continue;
    for (std::size_t j = 0; j < calls->size(); ++j) {
      auto* call = (*calls)[j].if_object();
      auto* function_value = call != nullptr ? call->if_contains("function") : nullptr;
      auto* function = function_value != nullptr ? function_value->if_object() : nullptr;
      auto* args = function != nullptr ? function->if_contains("arguments") : nullptr;
      if (args == nullptr || !args->is_string()) continue;
      const std::string param =
          "messages[" + std::to_string(i) + "].tool_calls[" + std::to_string(j) + "].function.arguments";
      const auto text = std::string_view(args->get_string());
      if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        *args = boost::json::object();
        continue;
      }
      auto parsed = parse_json(text);
      if (!parsed) return fail(Error::invalid(param + " is not valid JSON: " + parsed.error().message, param));
      if (!parsed->is_object()) return fail(Error::invalid(param + " must be a JSON object", param));
      *args = std::move(*parsed);
    }
  }
  return {};
}

}  // namespace sovra::chat
