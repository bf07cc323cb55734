#include "engine/sampling/grammar/constraint.hpp"

#include <utility>

namespace sovra::sampling::grammar {

GrammarConstraint::GrammarConstraint(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const TokenTrie> trie)
    : matcher_(grammar), trie_(std::move(trie)), stepper_(*grammar) {}

void GrammarConstraint::fill_mask(TokenMask& mask) {
  mask.reset(trie_->vocab_size(), false);
  if (finished_) return;
  if (matcher_.is_complete() && trie_->eos() != kNoEos) mask.allow(trie_->eos());
  if (!matcher_.can_continue()) return;

  const auto& trie = trie_->nodes();
  const auto& ids = trie_->token_ids();
  const auto base_nodes = matcher_.nodes();
  const auto base_heads = matcher_.heads();
  nodes_.assign(base_nodes.begin(), base_nodes.end());
  heads_.assign(base_heads.begin(), base_heads.end());
  const std::size_t levels = trie_->max_depth() + 1;
  level_begin_.assign(levels, 0);
  level_end_.assign(levels, 0);
  level_nodes_.assign(levels, 0);
  level_end_[0] = static_cast<std::uint32_t>(heads_.size());
  level_nodes_[0] = static_cast<std::uint32_t>(nodes_.size());

  std::size_t i = 1;
  while (i < trie.size()) {
    const TokenTrie::Node& node = trie[i];
    const std::size_t parent_level = node.depth - 1u;
    // Everything deeper than the parent belongs to subtrees already walked: roll it back.
    heads_.resize(level_end_[parent_level]);
    nodes_.resize(level_nodes_[parent_level]);
    step_out_.clear();
    const std::span<const std::uint32_t> in(heads_.data() + level_begin_[parent_level],
                                            level_end_[parent_level] - level_begin_[parent_level]);
    stepper_.step(nodes_, in, node.byte, step_out_);
    if (step_out_.empty()) {
      i = node.subtree_end;
      continue;
    }
    for (std::uint32_t k = node.tokens_begin; k < node.tokens_end; ++k) mask.allow(ids[k]);
    level_begin_[node.depth] = static_cast<std::uint32_t>(heads_.size());
    heads_.insert(heads_.end(), step_out_.begin(), step_out_.end());
    level_end_[node.depth] = static_cast<std::uint32_t>(heads_.size());
    level_nodes_[node.depth] = static_cast<std::uint32_t>(nodes_.size());
    ++i;
  }
}

Status GrammarConstraint::accept(TokenId token) {
  if (finished_) return Error::invalid("the grammar already ended with the end-of-sequence token");
  if (token != kNoEos && token == trie_->eos()) {
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
