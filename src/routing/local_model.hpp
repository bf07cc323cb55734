#pragma once
// LocalModel: one loaded model as the local backend sees it — its engine, and the text side it shares with
// ModelVocabulary (tokenizer, chat template and special tokens, output syntax, end-of-turn tokens) — plus the token
// trie of grammar-constrained decoding.
//
// Contract: immutable after create() and shared by every call; all methods are thread-safe. The trie is built on
// first use (a constrained request), once.
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/error.hpp"
#include "engine/engine.hpp"
#include "engine/sampling/grammar/token_trie.hpp"
#include "routing/model_vocabulary.hpp"

namespace sovra::routing {

class LocalModel final : public ModelVocabulary {
 public:
  // `name`: the id clients use. A chat template that fails to parse is an error (the model would be unusable
  // for chat); an absent one is not (completions only).
  static Result<std::shared_ptr<const LocalModel>> create(std::string name, std::shared_ptr<engine::Engine> engine);

  engine::Engine& engine() const { return *engine_; }
  const std::shared_ptr<engine::Engine>& engine_ptr() const { return engine_; }

  Result<std::shared_ptr<const sampling::grammar::TokenTrie>> trie() const;

 private:
  LocalModel() = default;

  std::shared_ptr<engine::Engine> engine_;

  mutable std::once_flag trie_once_;
  mutable std::shared_ptr<const sampling::grammar::TokenTrie> trie_;
  mutable std::optional<Error> trie_error_;
};

}  // namespace sovra::routing
