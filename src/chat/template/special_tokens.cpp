#include "chat/template/special_tokens.hpp"

#include <string>
#include <vector>

#include "gguf/reader.hpp"

namespace sovra::chat {

void add_special_tokens_from_gguf(const gguf::Reader& reader, boost::json::object& context) {
  const auto* tokens_value = reader.find("tokenizer.ggml.tokens");
  if (tokens_value == nullptr || !tokens_value->is_array()) return;
  std::vector<gguf::Value> tokens;  // decoded lazily: vocabularies have 100k+ entries
  static constexpr std::pair<const char*, const char*> kSpecials[] = {
      {"bos_token", "tokenizer.ggml.bos_token_id"},
      {"eos_token", "tokenizer.ggml.eos_token_id"},
      {"unk_token", "tokenizer.ggml.unknown_token_id"},
      {"pad_token", "tokenizer.ggml.padding_token_id"},
  };
  for (const auto& [name, key] : kSpecials) {
    if (context.contains(name)) continue;
    auto id = reader.get_uint(key);
    if (!id) continue;
    if (tokens.empty()) tokens = tokens_value->elements();
    if (*id >= tokens.size()) continue;
    auto text = tokens[*id].get<std::string_view>();
    if (text) context[name] = std::string(*text);
  }
}

}  // namespace sovra::chat
