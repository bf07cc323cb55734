#pragma once
// ModelVocabulary: the text side of a model without its weights — tokenizer, chat template and the special tokens
// it is rendered with, the output syntax its answers are parsed with (tool calls, reasoning), the tokens that end
// an assistant turn. LocalModel (local_model.hpp) adds the engine; a gateway opens one from a GGUF file (a model,
// or a vocabulary-only file such as llama.cpp's ggml-vocab-*.gguf) to count an upstream deployment's tokens.
//
// Contract: immutable after it is made and shared by every call; all methods are thread-safe. open() reads only
// the file's metadata; its errors name the path.
#include <boost/json/object.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/types/chat.hpp"
#include "chat/parse/output_format.hpp"
#include "chat/template/chat_template.hpp"
#include "common/error.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sovra::gguf {
class Reader;
}

namespace sovra::routing {

using TokenId = std::int32_t;

class ModelVocabulary {
 public:
  // `name`: the model's name, for errors. A chat template that fails to parse is an error; an absent one is not.
  static Result<std::shared_ptr<const ModelVocabulary>> open(std::string name, const std::filesystem::path& path);

  const std::string& name() const { return name_; }
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
  // The chat prompt's tokens, exactly as a local chat completion submits them.
  Result<std::vector<TokenId>> chat_prompt_tokens(const api::ChatRequest& request, bool include_tools) const;

 protected:
  ModelVocabulary() = default;
  // Everything above from a GGUF file's metadata and the tokenizer made from it.
  Status load(std::string name, const gguf::Reader& reader, std::shared_ptr<const tokenizer::Tokenizer> tokenizer,
              std::int64_t context_length, std::int64_t vocab_size);

 private:
  std::string name_;
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer_;
  std::optional<chat::ChatTemplate> chat_template_;
  boost::json::object special_tokens_;
  chat::OutputSyntax syntax_;
  std::vector<TokenId> end_of_turn_;
  std::int64_t context_length_ = 0;
  std::int64_t vocab_size_ = 0;
};

// Whether a chat request offers its tools to the model (tools listed and tool_choice is not "none"): the
// template then renders them.
bool tools_offered(const api::ChatRequest& request);

}  // namespace sovra::routing
