#pragma once
// A model's chat template: where it comes from (GGUF metadata or a file) and how it is rendered with the
// context Hugging Face's apply_chat_template passes (messages, tools, documents, add_generation_prompt and the
// special tokens).
//
// Contract: every function returns an Error instead of throwing; render errors carry the template's own message
// (raise_exception text) and line. A ChatTemplate is immutable and may be shared across threads.
#include <boost/json/object.hpp>

#include <filesystem>
#include <string>
#include <string_view>

#include "chat/jinja/template.hpp"
#include "common/error.hpp"

namespace sovra::gguf {
class Reader;
}

namespace sovra::chat {

inline constexpr std::string_view kChatTemplateKey = "tokenizer.chat_template";
// Largest template accepted from a file or GGUF (real ones are under 64 KiB).
inline constexpr std::size_t kMaxTemplateBytes = 1u << 20;

// `tokenizer.chat_template`, or `tokenizer.chat_template.<name>` for a named variant (e.g. "tool_use");
// kNotFound (naming the variants the file has) when absent.
Result<std::string> template_from_gguf(const gguf::Reader& reader, std::string_view name = {});
Result<std::string> template_from_file(const std::filesystem::path& path);

class ChatTemplate {
 public:
  static Result<ChatTemplate> create(std::string_view source);

  // `context` as Hugging Face passes it: `messages` (required), optional `tools`, `documents`,
  // `add_generation_prompt`, special tokens and any extra keys (e.g. `enable_thinking`). Absent `tools` and
  // `documents` stay undefined (templates test `tools is defined`; several iterate `tools` unguarded, which
  // would fail on none); an absent `add_generation_prompt` is false.
  Result<std::string> render(const boost::json::object& context, const jinja::RenderOptions& options = {}) const;

 private:
  jinja::Template template_;
};

}  // namespace sovra::chat
