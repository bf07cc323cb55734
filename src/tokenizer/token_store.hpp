#pragma once
// TokenStore: a vocabulary's per-token data in two contiguous pools (lookup text, decoded piece) plus type, and
// a text → id index. Shared by the BPE and WordPiece tokenizers.
//
// Contract: find() sees only the tokens `indexed` selected at build time; when several share a text the last
// wins (as llama.cpp). Out-of-range ids give empty views and kUndefined. Views stay valid for the store's
// lifetime, moves included (the pools' buffers move with it).
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/tokenizer.hpp"

namespace sovra::tokenizer {

class TokenStore {
 public:
  static TokenStore build(const std::vector<std::string>& texts, const std::vector<std::string>& pieces,
                          std::vector<TokenType> types, const std::function<bool(TokenType)>& indexed);

  std::size_t size() const { return types_.size(); }
  std::string_view text(TokenId id) const { return view(text_pool_, text_offsets_, id); }
  std::string_view piece(TokenId id) const { return view(piece_pool_, piece_offsets_, id); }
  TokenType type(TokenId id) const { return valid(id) ? types_[static_cast<std::size_t>(id)] : TokenType::kUndefined; }
  bool valid(TokenId id) const { return id >= 0 && static_cast<std::size_t>(id) < types_.size(); }
  TokenId find(std::string_view text) const {
    const auto it = index_.find(text);
    return it == index_.end() ? kNoToken : it->second;
  }
  std::size_t max_text_bytes() const { return max_text_bytes_; }

 private:
  std::string_view view(const std::vector<char>& pool, const std::vector<std::size_t>& offsets, TokenId id) const {
    if (!valid(id)) return {};
    const auto i = static_cast<std::size_t>(id);
    return {pool.data() + offsets[i], offsets[i + 1] - offsets[i]};
  }

  std::vector<char> text_pool_;
  std::vector<std::size_t> text_offsets_;
  std::vector<char> piece_pool_;
  std::vector<std::size_t> piece_offsets_;
  std::vector<TokenType> types_;
  std::unordered_map<std::string_view, TokenId> index_;
  std::size_t max_text_bytes_ = 0;
};

}  // namespace sovra::tokenizer
