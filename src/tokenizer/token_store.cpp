#include "tokenizer/token_store.hpp"

#include <algorithm>

namespace sovra::tokenizer {

TokenStore TokenStore::build(const std::vector<std::string>& texts, const std::vector<std::string>& pieces,
                             std::vector<TokenType> types, const std::function<bool(TokenType)>& indexed) {
  TokenStore s;
  const std::size_t n = texts.size();
  s.types_ = std::move(types);
  s.text_offsets_.reserve(n + 1);
  s.piece_offsets_.reserve(n + 1);
  s.text_offsets_.push_back(0);
  s.piece_offsets_.push_back(0);
  for (std::size_t i = 0; i < n; ++i) {
    s.text_pool_.insert(s.text_pool_.end(), texts[i].begin(), texts[i].end());
    s.text_offsets_.push_back(s.text_pool_.size());
    s.piece_pool_.insert(s.piece_pool_.end(), pieces[i].begin(), pieces[i].end());
    s.piece_offsets_.push_back(s.piece_pool_.size());
    s.max_text_bytes_ = std::max(s.max_text_bytes_, texts[i].size());
  }
  s.index_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto id = static_cast<TokenId>(i);
    if (indexed(s.types_[i])) s.index_.insert_or_assign(s.text(id), id);
  }
  return s;
}

}  // namespace sovra::tokenizer
