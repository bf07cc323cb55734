#include "chat/template/chat_template.hpp"

#include <fstream>
#include <sstream>

#include "gguf/reader.hpp"

namespace sovra::chat {

Result<std::string> template_from_gguf(const gguf::Reader& reader, std::string_view name) {
  std::string key(kChatTemplateKey);
  if (!name.empty()) key += "." + std::string(name);
  const auto* value = reader.find(key);
  if (value == nullptr) {
    std::string variants;
    for (const auto& kv : reader.kvs()) {
      if (kv.key.size() > kChatTemplateKey.size() + 1 && kv.key.substr(0, kChatTemplateKey.size() + 1) == key.substr(0, kChatTemplateKey.size()) + ".") {
        variants += (variants.empty() ? "" : ", ") + std::string(kv.key.substr(kChatTemplateKey.size() + 1));
      }
    }
    std::string msg = "the model has no chat template '" + key + "'";
    if (!variants.empty()) msg += " (named variants: " + variants + ")";
    return fail(Error::not_found(std::move(msg)));
  }
  auto text = value->get<std::string_view>();
  if (!text) return fail(Error::invalid("'" + key + "' is not a string"));
  if (text->size() > kMaxTemplateBytes) return fail(Error::invalid("'" + key + "' is larger than 1 MiB"));
  return std::string(*text);
}

Result<std::string> template_from_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return fail(Error::io("cannot read chat template " + path.string() + ": " + ec.message()));
  if (size > kMaxTemplateBytes) return fail(Error::invalid("chat template " + path.string() + " is larger than 1 MiB"));
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Error::io("cannot open chat template " + path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<ChatTemplate> ChatTemplate::create(std::string_view source) {
  SOVRA_TRY(auto parsed, jinja::Template::parse(source));
  ChatTemplate t;
  t.template_ = std::move(parsed);
  return t;
}

Result<std::string> ChatTemplate::render(const boost::json::object& context,
                                         const jinja::RenderOptions& options) const {
  if (!context.contains("messages")) return fail(Error::invalid("the chat context has no 'messages'", "messages"));
  jinja::Value ctx = jinja::from_json(boost::json::value(context));
  auto& d = ctx.as_dict();
  if (d.find("add_generation_prompt") == nullptr) d.set("add_generation_prompt", jinja::Value(false));
  return template_.render(ctx, options);
}

}  // namespace sovra::chat
