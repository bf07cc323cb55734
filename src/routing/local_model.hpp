#pragma once
// LocalModel: what the local backend needs to know about one loaded model besides its engine — tokenizer, chat
// template and the special tokens it is rendered with, the output syntax its answers are parsed with (tool calls,
// reasoning), the tokens that end an assistant turn, and the token trie of grammar-constrained decoding.
//
// Contract: immutable after create() and shared by every call; all methods are thread-safe. The trie is built on
// first use (a constrained request), once.
#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/types/chat.hpp"
#include "chat/parse/output_format.hpp"
#include "chat/template/chat_template.hpp"
#include "common/error.hpp"
#include "engine/engine.hpp"
#include "engine/sampling/grammar/token_trie.hpp"

namespace sovra::routing {

using TokenId = std::int32_t;

class LocalModel {
 public:
  // `name`: the id clients use. A chat template that fails to parse is an error (the model would be unusable
  // for chat); an absent one is not (completions only).
  static Result<std::shared_ptr<const LocalModel>> create(std::string name, std::shared_ptr<engine::Engine> engine);

  const std::string& name() const { return name_; }
  engine::Engine& engine() const { return *engine_; }
  const std::shared_ptr<engine::Engine>& engine_ptr() const { return engine_; }
  const tokenizer::Tokenizer& tokenizer() const { return *tokenizer_; }
  bool has_chat_template() const { return chat_template_.has_value(); }
  chat::OutputSyntax syntax() const { return syntax_; }
  // EOS and the template's end-of-turn markers that are tokens of this vocabulary (e.g. <|im_end|>, <|eot_id|>).
  const std::vector<TokenId>& end_of_turn() const { return end_of_turn_; }
  std::int64_t context_length() const { return context_length_; }
  std::int64_t vocab_size() const { return vocab_size_; }

  // The chat prompt's text: the template rendered with the request's messages (and tools unless include_tools
  // is false) plus the model's special tokens. kInvalidArgument (param "model") when the model has no template.
  Result<std::string> render_chat(const api::ChatRequest& request, bool add_generation_prompt,
                                  bool include_tools) const;
  // Prompt text → tokens, special-token text parsed (the rendered template writes markers as text); with
  // add_special, BOS is prepended when the model wants it and the text does not already start with it.
  std::vector<TokenId> tokenize(std::string_view text, bool add_special, bool parse_special) const;
  // The chat prompt's tokens, exactly as start_chat submits them.
  Result<std::vector<TokenId>> chat_prompt_tokens(const api::ChatRequest& request, bool include_tools) const;

  Result<std::shared_ptr<const sampling::grammar::TokenTrie>> trie() const;

 private:
  LocalModel() = default;

  std::string name_;
  std::shared_ptr<engine::Engine> engine_;
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer_;
  std::optional<chat::ChatTemplate> chat_template_;
  boost::json::object special_tokens_;
  chat::OutputSyntax syntax_;
  std::vector<TokenId> end_of_turn_;
  std::int64_t context_length_ = 0;
  std::int64_t vocab_size_ = 0;

  mutable std::once_flag trie_once_;
  mutable std::shared_ptr<const sampling::grammar::TokenTrie> trie_;
  mutable std::optional<Error> trie_error_;
};

}  // namespace sovra::routing
