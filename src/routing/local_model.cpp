#include "routing/local_model.hpp"

#include <string>
#include <vector>

#include "gguf/reader.hpp"

namespace sovra::routing {

Result<std::shared_ptr<const LocalModel>> LocalModel::create(std::string name, std::shared_ptr<engine::Engine> engine) {
  if (!engine) return fail(Error::invalid("a local model needs an engine"));
  auto m = std::shared_ptr<LocalModel>(new LocalModel());
  m->engine_ = std::move(engine);
  SOVRA_CHECK(m->load(std::move(name), m->engine_->model().gguf(), m->engine_->tokenizer(),
                      m->engine_->options().max_seq_len, m->engine_->model().hparams().n_vocab));
  return std::shared_ptr<const LocalModel>(std::move(m));
}

Result<std::shared_ptr<const sampling::grammar::TokenTrie>> LocalModel::trie() const {
  std::call_once(trie_once_, [this] {
    const tokenizer::Tokenizer& tok = tokenizer();
    std::vector<std::string> bytes(static_cast<std::size_t>(vocab_size()));
    for (std::size_t i = 0; i < bytes.size() && i < tok.vocab_size(); ++i) {
      bytes[i] = std::string(tok.token_to_piece(static_cast<TokenId>(i)));
    }
    std::vector<TokenId> excluded;
    if (tok.bos_id() >= 0 && tok.bos_id() < vocab_size()) excluded.push_back(tok.bos_id());
    std::vector<TokenId> ends;
    for (TokenId t : end_of_turn()) {
      if (t != tok.eos_id() && t < vocab_size()) ends.push_back(t);
    }
    const TokenId eos = tok.eos_id() >= 0 && tok.eos_id() < vocab_size() ? tok.eos_id() : sampling::grammar::kNoEos;
    auto trie = sampling::grammar::TokenTrie::create(
        {.tokens = bytes, .eos = eos, .end_tokens = ends, .excluded = excluded});
    if (trie) {
      trie_ = std::make_shared<const sampling::grammar::TokenTrie>(std::move(trie).value());
    } else {
      trie_error_ = trie.error();
    }
  });
  if (trie_error_) return fail(*trie_error_);
  return trie_;
}

}  // namespace sovra::routing
