#include "engine/sampling/grammar/constraint.hpp"

#include <utility>

namespace sovra::sampling::grammar {

GrammarConstraint::GrammarConstraint(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const TokenTrie> trie)
    : matcher_(grammar), trie_(std::move(trie)), cache_(*grammar) {}

void GrammarConstraint::fill_mask(TokenMask& mask) {
  if (finished_) {
    mask.reset(trie_->vocab_size(), false);
    return;
  }
  if (cache_.over_budget()) {
    cache_.clear();
    masks_.clear();
  }
  const std::int32_t start = cache_.import(matcher_.nodes(), matcher_.heads());
  if (auto it = masks_.find(start); it != masks_.end()) {
    mask = it->second;
    return;
  }
  mask.reset(trie_->vocab_size(), false);
  if (matcher_.is_complete()) {
    for (const TokenId end : trie_->end_tokens()) mask.allow(end);
  }
  if (!matcher_.can_continue()) return;

  const auto& trie = trie_->nodes();
  const auto& ids = trie_->token_ids();
  level_state_.resize(trie_->max_depth() + 1);
  level_state_[0] = start;
  std::size_t i = 1;
  while (i < trie.size()) {
    const TokenTrie::Node& node = trie[i];
    const std::int32_t state = cache_.next(level_state_[node.depth - 1u], node.byte);
    if (state == kDeadState) {
      i = node.subtree_end;  // no token under this prefix can continue the grammar
      continue;
    }
    for (std::uint32_t k = node.tokens_begin; k < node.tokens_end; ++k) mask.allow(ids[k]);
    level_state_[node.depth] = state;
    ++i;
  }
  if (masks_.size() >= kMaskCacheEntries) masks_.clear();
  masks_.emplace(start, mask);
}

Status GrammarConstraint::accept(TokenId token) {
  if (finished_) return Error::invalid("the grammar already ended with the end-of-sequence token");
  if (trie_->is_end(token)) {
    if (!matcher_.is_complete()) return Error::invalid("end of sequence before the grammar is complete");
    finished_ = true;
    return {};
  }
  const std::string_view bytes = trie_->token_bytes(token);
  if (bytes.empty()) return Error::invalid("token " + std::to_string(token) + " cannot occur under this grammar");
  if (!matcher_.accept_bytes(bytes)) {
    return Error::invalid("token " + std::to_string(token) + " does not continue the grammar");
  }
  return {};
}

Status GrammarConstraint::accept_text(std::string_view bytes) {
  if (finished_) return Error::invalid("the grammar already ended with the end-of-sequence token");
  if (!matcher_.accept_bytes(bytes)) return Error::invalid("the text does not continue the grammar");
  return {};
}

}  // namespace sovra::sampling::grammar
