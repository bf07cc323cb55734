// `system` and `messages` of an Anthropic request: text, tool_use, tool_result and thinking blocks.
#include <fmt/format.h>
#include <boost/json/serialize.hpp>

#include "api/anthropic/fields.hpp"
#include "api/anthropic/messages_request.hpp"

namespace sovra::api::anthropic {
namespace {

void append_turn(ChatRequest& out, ChatMessage m);

// Blocks a later release may accept (vision, documents, Anthropic's server tools): refused with a clear reason.
Error unsupported_block(std::string_view path, std::string_view type) {
  if (type == "image") {
    return field_error(path, "image content is not supported yet: the served models read text only");
  }
  if (type == "document" || type == "search_result") {
    return field_error(path,
                       fmt::format("'{}' content blocks are not supported yet: send the text as a 'text' block", type));
  }
  if (type == "server_tool_use" || type == "web_search_tool_result") {
    return field_error(path, fmt::format("'{}' content blocks are not supported: Sovra runs no server tools", type));
  }
  return field_error(path, fmt::format("Input tag '{}' found using 'type' does not match any of the expected tags: "
                                       "'text', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking'",
                                       type));
}

Result<const boost::json::object*> block_object(const boost::json::value& v, const std::string& path) {
  if (!v.is_object()) return fail(kind_error(path, "dictionary"));
  return &v.get_object();
}

// The `text` of a text block (must be non-empty, as Anthropic requires).
Result<std::string_view> block_text(const Fields& block) {
  SOVRA_TRY(std::string_view text, block.required_string("text"));
  if (text.empty()) return fail(field_error(block.param("text"), "text content blocks must be non-empty"));
  return text;
}

void append_text_part(ChatMessage& m, std::string_view text) {
  m.parts.push_back(ContentPart{.kind = ContentPart::Kind::kText, .text = std::string(text)});
  m.content += text;
  m.has_content = true;
  m.content_was_array = true;
}

// tool_result.content: a string or a list of text blocks.
Status parse_tool_result(const Fields& block, ChatMessage& out) {
  SOVRA_TRY(std::string_view id, block.required_string("tool_use_id"));
  if (id.empty()) return fail(field_error(block.param("tool_use_id"), "String should have at least 1 character"));
  out.role = Role::kTool;
  out.tool_call_id = id;
  out.has_content = true;
  SOVRA_TRY(auto is_error, block.boolean("is_error"));
  std::string text;
  if (const boost::json::value* content = block.find("content"); content != nullptr) {
    if (content->is_string()) {
      text = std::string_view(content->get_string().data(), content->get_string().size());
    } else if (content->is_array()) {
      const auto& items = content->get_array();
      for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string path = join_path(block.param("content"), i);
        SOVRA_TRY(const boost::json::object* item, block_object(items[i], path));
        const Fields f(*item, path);
        SOVRA_TRY(std::string_view type, f.required_string("type"));
        if (type != "text") return fail(unsupported_block(path, type));
        SOVRA_TRY(std::string_view piece, block_text(f));
        if (!text.empty()) text += '\n';
        text += piece;
      }
    } else {
      return fail(kind_error(block.param("content"), "string or a list of content blocks"));
    }
  }
  out.content = is_error.value_or(false) ? "Error: " + text : std::move(text);
  return {};
}

Status parse_tool_use(const Fields& block, ChatMessage& out) {
  SOVRA_TRY(std::string_view id, block.required_string("id"));
  SOVRA_TRY(std::string_view name, block.required_string("name"));
  if (id.empty()) return fail(field_error(block.param("id"), "String should have at least 1 character"));
  if (name.empty()) return fail(field_error(block.param("name"), "String should have at least 1 character"));
  const boost::json::value* input = block.find("input");
  if (input == nullptr) return fail(field_error(block.param("input"), "Field required"));
  if (!input->is_object()) return fail(kind_error(block.param("input"), "dictionary"));
  out.tool_calls.push_back(
      ToolCall{.id = std::string(id), .name = std::string(name), .arguments = boost::json::serialize(*input)});
  return {};
}

// One user message: text blocks form user messages; each tool_result becomes a tool message, in block order.
Status parse_user_blocks(const boost::json::array& blocks, const std::string& path, ChatRequest& out) {
  ChatMessage pending{.role = Role::kUser};
  auto flush = [&] {
    if (pending.has_content) append_turn(out, std::move(pending));
    pending = ChatMessage{.role = Role::kUser};
  };
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const std::string bpath = join_path(path, i);
    SOVRA_TRY(const boost::json::object* object, block_object(blocks[i], bpath));
    const Fields block(*object, bpath);
    SOVRA_TRY(std::string_view type, block.required_string("type"));
    if (type == "text") {
      SOVRA_TRY(std::string_view text, block_text(block));
      append_text_part(pending, text);
    } else if (type == "tool_result") {
      flush();
      ChatMessage tool;
      SOVRA_CHECK(parse_tool_result(block, tool));
      out.messages.push_back(std::move(tool));
    } else if (type == "tool_use" || type == "thinking" || type == "redacted_thinking") {
      return fail(field_error(bpath, fmt::format("'{}' blocks are only allowed in assistant messages", type)));
    } else {
      return fail(unsupported_block(bpath, type));
    }
  }
  flush();
  return {};
}

Status parse_assistant_blocks(const boost::json::array& blocks, const std::string& path, ChatMessage& out) {
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const std::string bpath = join_path(path, i);
    SOVRA_TRY(const boost::json::object* object, block_object(blocks[i], bpath));
    const Fields block(*object, bpath);
    SOVRA_TRY(std::string_view type, block.required_string("type"));
    if (type == "text") {
      SOVRA_TRY(std::string_view text, block_text(block));
      append_text_part(out, text);
    } else if (type == "tool_use") {
      SOVRA_CHECK(parse_tool_use(block, out));
    } else if (type == "thinking") {
      SOVRA_TRY(std::string_view thinking, block.required_string("thinking"));
      SOVRA_TRY(auto signature, block.string("signature"));
      (void)signature;  // Sovra's thinking blocks are not signed; whatever the client sends back is accepted
      if (!out.reasoning_content) out.reasoning_content.emplace();
      out.reasoning_content->append(thinking);
    } else if (type == "redacted_thinking") {
      continue;  // encrypted reasoning of another provider: nothing a local model can read
    } else if (type == "tool_result") {
      return fail(field_error(bpath, "'tool_result' blocks are only allowed in user messages"));
    } else {
      return fail(unsupported_block(bpath, type));
    }
  }
  return {};
}

Status parse_message(const boost::json::value& v, const std::string& path, ChatRequest& out) {
  SOVRA_TRY(const boost::json::object* object, block_object(v, path));
  const Fields fields(*object, path);
  SOVRA_TRY(std::string_view role, fields.required_string("role"));
  if (role != "user" && role != "assistant") {
    return fail(field_error(fields.param("role"), "Input should be 'user' or 'assistant'"));
  }
  const boost::json::value* content = fields.find("content");
  if (content == nullptr) return fail(field_error(fields.param("content"), "Field required"));
  const bool user = role == "user";
  if (content->is_string()) {
    ChatMessage m{.role = user ? Role::kUser : Role::kAssistant};
    m.content = std::string_view(content->get_string().data(), content->get_string().size());
    m.has_content = true;
    append_turn(out, std::move(m));
    return {};
  }
  if (!content->is_array()) return fail(kind_error(fields.param("content"), "string or a list of content blocks"));
  const auto& blocks = content->get_array();
  if (blocks.empty()) {
    return fail(field_error(path, "all messages must have non-empty content"));
  }
  if (user) return parse_user_blocks(blocks, fields.param("content"), out);
  ChatMessage m{.role = Role::kAssistant};
  SOVRA_CHECK(parse_assistant_blocks(blocks, fields.param("content"), m));
  append_turn(out, std::move(m));
  return {};
}

// Anthropic combines consecutive turns of one role into one turn; chat templates that insist on alternating roles
// then accept what Anthropic accepts. Tool messages (from tool_result blocks) stay separate.
void append_turn(ChatRequest& out, ChatMessage m) {
  if (!out.messages.empty()) {
    ChatMessage& last = out.messages.back();
    if (last.role == m.role && (m.role == Role::kUser || m.role == Role::kAssistant)) {
      if (last.has_content && m.has_content) last.content += "\n\n";
      last.content += m.content;
      last.has_content = last.has_content || m.has_content;
      last.content_was_array = last.content_was_array || m.content_was_array;
      for (auto& part : m.parts) last.parts.push_back(std::move(part));
      for (auto& call : m.tool_calls) last.tool_calls.push_back(std::move(call));
      if (m.reasoning_content) last.reasoning_content = last.reasoning_content.value_or("") + *m.reasoning_content;
      return;
    }
  }
  out.messages.push_back(std::move(m));
}

}  // namespace

Status parse_system(const boost::json::value* system, ChatRequest& out) {
  if (system == nullptr || system->is_null()) return {};
  ChatMessage m{.role = Role::kSystem};
  if (system->is_string()) {
    m.content = std::string_view(system->get_string().data(), system->get_string().size());
    m.has_content = true;
  } else if (system->is_array()) {
    const auto& blocks = system->get_array();
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      const std::string path = join_path("system", i);
      SOVRA_TRY(const boost::json::object* object, block_object(blocks[i], path));
      const Fields block(*object, path);
      SOVRA_TRY(std::string_view type, block.required_string("type"));
      if (type != "text") return fail(field_error(block.param("type"), "Input should be 'text'"));
      SOVRA_TRY(std::string_view text, block_text(block));
      if (m.has_content) m.content += '\n';
      m.parts.push_back(ContentPart{.kind = ContentPart::Kind::kText, .text = std::string(text)});
      m.content += text;
      m.has_content = true;
    }
  } else {
    return fail(kind_error("system", "string or a list of text blocks"));
  }
  if (m.has_content && !m.content.empty()) out.messages.push_back(std::move(m));
  return {};
}

Status parse_messages(const boost::json::value* messages, ChatRequest& out) {
  if (messages == nullptr || messages->is_null()) return fail(field_error("messages", "Field required"));
  if (!messages->is_array()) return fail(kind_error("messages", "list"));
  const auto& list = messages->get_array();
  if (list.empty()) return fail(field_error("messages", "at least one message is required"));
  if (list.size() > kMaxMessages) {
    return fail(field_error("messages", fmt::format("List should have at most {} items", kMaxMessages)));
  }
  for (std::size_t i = 0; i < list.size(); ++i) SOVRA_CHECK(parse_message(list[i], join_path("messages", i), out));
  if (out.messages.back().role == Role::kAssistant) {
    return fail(field_error(join_path("messages", list.size() - 1),
                            "continuing a final assistant message (prefill) is not supported yet: end the "
                            "conversation with a user message"));
  }
  return {};
}

}  // namespace sovra::api::anthropic
