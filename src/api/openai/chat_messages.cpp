// The `messages` array of a chat completion request.
#include <fmt/format.h>
#include <boost/json/serialize.hpp>

#include "api/openai/chat_request.hpp"
#include "api/openai/fields.hpp"

namespace sovra::api::openai {
namespace {

Result<Role> parse_role(std::string_view role, const std::string& param) {
  if (role == "system") return Role::kSystem;
  if (role == "developer") return Role::kDeveloper;
  if (role == "user") return Role::kUser;
  if (role == "assistant") return Role::kAssistant;
  if (role == "tool" || role == "function") return Role::kTool;
  return fail(Error::invalid(fmt::format("Invalid value: '{}'. Supported values are: 'system', 'developer', "
                                         "'user', 'assistant', and 'tool'.",
                                         role),
                             param));
}

Result<ContentPart> parse_part(const boost::json::value& v, const std::string& path) {
  if (!v.is_object()) return fail(type_error(path, "an object", v));
  const Fields part(v.get_object(), path);
  SOVRA_TRY(std::string_view type, part.required_string("type"));
  ContentPart out;
  if (type == "text" || type == "input_text") {
    SOVRA_TRY(std::string_view text, part.required_string("text"));
    out.kind = ContentPart::Kind::kText;
    out.text = text;
  } else if (type == "refusal") {
    SOVRA_TRY(std::string_view text, part.required_string("refusal"));
    out.kind = ContentPart::Kind::kRefusal;
    out.text = text;
  } else if (type == "image_url") {
    SOVRA_TRY(const boost::json::object* image, part.object("image_url"));
    if (image == nullptr) {
      return fail(
          Error::invalid(fmt::format("Missing required parameter: '{}.image_url'.", path), path + ".image_url"));
    }
    SOVRA_TRY(std::string_view url, Fields(*image, path + ".image_url").required_string("url"));
    out.kind = ContentPart::Kind::kImage;
    out.text = url;
  } else if (type == "input_audio") {
    out.kind = ContentPart::Kind::kAudio;
  } else if (type == "file") {
    out.kind = ContentPart::Kind::kFile;
  } else {
    return fail(Error::invalid(fmt::format("Invalid value: '{}'. Supported values are: 'text', 'image_url', "
                                           "'input_audio', 'refusal', and 'file'.",
                                           type),
                               path + ".type"));
  }
  return out;
}

Status parse_content(const Fields& fields, ChatMessage& out) {
  const boost::json::value* content = fields.find("content");
  if (content == nullptr) return {};
  const std::string param = fields.param("content");
  if (content->is_string()) {
    const boost::json::string& s = content->get_string();
    out.content.assign(s.data(), s.size());
    out.has_content = true;
    return {};
  }
  if (!content->is_array()) return fail(type_error(param, "one of a string or array of objects", *content));
  const boost::json::array& parts = content->get_array();
  out.content_was_array = true;
  out.has_content = true;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    SOVRA_TRY(ContentPart part, parse_part(parts[i], fmt::format("{}[{}]", param, i)));
    if (part.kind == ContentPart::Kind::kText) out.content += part.text;
    out.parts.push_back(std::move(part));
  }
  return {};
}

Status parse_tool_calls(const Fields& fields, ChatMessage& out) {
  SOVRA_TRY(const boost::json::array* calls, fields.array("tool_calls"));
  if (calls == nullptr) return {};
  for (std::size_t i = 0; i < calls->size(); ++i) {
    const std::string path = fmt::format("{}[{}]", fields.param("tool_calls"), i);
    const boost::json::value& v = (*calls)[i];
    if (!v.is_object()) return fail(type_error(path, "an object", v));
    const Fields call(v.get_object(), path);
    SOVRA_TRY(std::string_view id, call.required_string("id"));
    SOVRA_TRY(auto type, call.string("type"));
    if (type && *type != "function") {
      return fail(Error::invalid(fmt::format("Invalid value: '{}'. Supported values are: 'function'.", *type),
                                 call.param("type")));
    }
    SOVRA_TRY(const boost::json::object* function, call.object("function"));
    if (function == nullptr) {
      return fail(Error::invalid(fmt::format("Missing required parameter: '{}'.", call.param("function")),
                                 call.param("function")));
    }
    const Fields fn(*function, call.param("function"));
    SOVRA_TRY(std::string_view name, fn.required_string("name"));
    ToolCall tc{.id = std::string(id), .name = std::string(name), .arguments = "{}"};
    // OpenAI sends arguments as a JSON string; some clients send the object itself.
    if (const boost::json::value* args = fn.find("arguments")) {
      if (args->is_string()) {
        tc.arguments.assign(args->get_string().data(), args->get_string().size());
      } else if (args->is_object()) {
        tc.arguments = boost::json::serialize(*args);
      } else {
        return fail(type_error(fn.param("arguments"), "a string", *args));
      }
    }
    out.tool_calls.push_back(std::move(tc));
  }
  return {};
}

Result<ChatMessage> parse_message(const boost::json::value& v, const std::string& path) {
  if (!v.is_object()) return fail(type_error(path, "an object", v));
  const Fields fields(v.get_object(), path);
  SOVRA_TRY(std::string_view role_text, fields.required_string("role"));
  SOVRA_TRY(Role role, parse_role(role_text, fields.param("role")));
  ChatMessage out;
  out.role = role;
  SOVRA_CHECK(parse_content(fields, out));
  SOVRA_TRY(auto name, fields.string("name"));
  if (name) out.name = *name;
  if (role == Role::kAssistant) {
    SOVRA_CHECK(parse_tool_calls(fields, out));
    SOVRA_TRY(auto reasoning, fields.string("reasoning_content"));
    if (reasoning) out.reasoning_content = std::string(*reasoning);
    if (!out.has_content && out.tool_calls.empty()) {
      return fail(Error::invalid(
          fmt::format("Invalid '{}': an assistant message needs 'content' or 'tool_calls'.", path), path));
    }
  } else if (role == Role::kTool) {
    if (role_text == "function") {
      // The deprecated function role names the function instead of a tool call id.
      out.tool_call_id = out.name;
    } else {
      SOVRA_TRY(std::string_view id, fields.required_string("tool_call_id"));
      out.tool_call_id = id;
    }
  }
  if (role != Role::kAssistant && !out.has_content) {
    return fail(Error::invalid(fmt::format("Missing required parameter: '{}'.", fields.param("content")),
                               fields.param("content")));
  }
  if (role != Role::kUser && role != Role::kAssistant) {
    for (std::size_t i = 0; i < out.parts.size(); ++i) {
      if (out.parts[i].kind != ContentPart::Kind::kText) {
        return fail(Error::invalid(fmt::format("Invalid '{}[{}]': {} messages may only contain text parts.",
                                               fields.param("content"), i, role_text),
                                   fmt::format("{}[{}].type", fields.param("content"), i)));
      }
    }
  }
  return out;
}

}  // namespace

Result<std::vector<ChatMessage>> parse_chat_messages(const boost::json::value* messages) {
  if (messages == nullptr || messages->is_null()) {
    return fail(Error::invalid("Missing required parameter: 'messages'.", "messages"));
  }
  if (!messages->is_array()) return fail(type_error("messages", "an array", *messages));
  const boost::json::array& list = messages->get_array();
  if (list.empty()) {
    return fail(Error::invalid(
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        "messages"));
  }
  if (list.size() > kMaxMessages) {
    return fail(
        Error::invalid(fmt::format("Invalid 'messages': at most {} messages are allowed.", kMaxMessages), "messages"));
  }
  std::vector<ChatMessage> out;
  out.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    SOVRA_TRY(ChatMessage m, parse_message(list[i], fmt::format("messages[{}]", i)));
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace sovra::api::openai
