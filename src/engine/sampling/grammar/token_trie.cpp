#include "engine/sampling/grammar/token_trie.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

namespace sovra::sampling::grammar {

namespace {

// Longer tokens are left out of the trie (no real vocabulary has them; the depth field stays 16 bits).
constexpr std::size_t kMaxTokenBytes = 4096;

}  // namespace

Result<TokenTrie> TokenTrie::create(const TokenTrieParams& params) {
  const std::size_t n = params.tokens.size();
  if (n == 0) return Error::invalid("the vocabulary is empty");
  if (n > static_cast<std::size_t>(std::numeric_limits<TokenId>::max())) {
    return Error::invalid("the vocabulary has more entries than token ids can address");
  }
  if (params.eos != kNoEos && (params.eos < 0 || static_cast<std::size_t>(params.eos) >= n)) {
    return Error::invalid("EOS token " + std::to_string(params.eos) + " is outside the vocabulary");
  }
  TokenTrie t;
  t.eos_ = params.eos;
  t.bytes_.assign(params.tokens.begin(), params.tokens.end());
  t.in_trie_.assign(n, true);
  for (const TokenId id : params.excluded) {
    if (id < 0 || static_cast<std::size_t>(id) >= n) {
      return Error::invalid("excluded token " + std::to_string(id) + " is outside the vocabulary");
    }
    t.in_trie_[static_cast<std::size_t>(id)] = false;
  }
  if (t.eos_ != kNoEos) t.ends_.push_back(t.eos_);
  for (const TokenId id : params.end_tokens) {
    if (id < 0 || static_cast<std::size_t>(id) >= n) {
      return Error::invalid("end token " + std::to_string(id) + " is outside the vocabulary");
    }
    if (!t.is_end(id)) t.ends_.push_back(id);
  }
  for (const TokenId id : t.ends_) t.in_trie_[static_cast<std::size_t>(id)] = false;

  std::vector<TokenId> order;
  for (std::size_t i = 0; i < n; ++i) {
    if (!t.in_trie_[i]) continue;
    if (t.bytes_[i].empty() || t.bytes_[i].size() > kMaxTokenBytes) {
      t.in_trie_[i] = false;
      continue;
    }
    order.push_back(static_cast<TokenId>(i));
  }
  std::sort(order.begin(), order.end(), [&](TokenId a, TokenId b) {
    const std::string& x = t.bytes_[static_cast<std::size_t>(a)];
    const std::string& y = t.bytes_[static_cast<std::size_t>(b)];
    return x != y ? x < y : a < b;
  });

  t.nodes_.push_back(Node{});
  std::vector<std::uint32_t> path{0};  // path[d]: the node at depth d for the current prefix
  const std::string* prev = nullptr;
  for (const TokenId id : order) {
    const std::string& s = t.bytes_[static_cast<std::size_t>(id)];
    std::size_t lcp = 0;
    if (prev != nullptr) {
      const auto mm = std::mismatch(prev->begin(), prev->end(), s.begin(), s.end());
      lcp = static_cast<std::size_t>(mm.first - prev->begin());
    }
    while (path.size() > lcp + 1) {
      t.nodes_[path.back()].subtree_end = static_cast<std::uint32_t>(t.nodes_.size());
      path.pop_back();
    }
    for (std::size_t d = lcp; d < s.size(); ++d) {
      Node node;
      node.depth = static_cast<std::uint16_t>(d + 1);
      node.byte = static_cast<std::uint8_t>(s[d]);
      node.tokens_begin = node.tokens_end = static_cast<std::uint32_t>(t.token_ids_.size());
      path.push_back(static_cast<std::uint32_t>(t.nodes_.size()));
      t.nodes_.push_back(node);
    }
    t.token_ids_.push_back(id);
    t.nodes_[path.back()].tokens_end = static_cast<std::uint32_t>(t.token_ids_.size());
    t.max_depth_ = std::max(t.max_depth_, s.size());
    prev = &s;
  }
  while (!path.empty()) {
    t.nodes_[path.back()].subtree_end = static_cast<std::uint32_t>(t.nodes_.size());
    path.pop_back();
  }
  return t;
}

std::string_view TokenTrie::token_bytes(TokenId token) const {
  if (token < 0 || static_cast<std::size_t>(token) >= bytes_.size() || !in_trie_[static_cast<std::size_t>(token)]) {
    return {};
  }
  return bytes_[static_cast<std::size_t>(token)];
}

bool TokenTrie::is_excluded(TokenId token) const {
  return token < 0 || static_cast<std::size_t>(token) >= bytes_.size() || !in_trie_[static_cast<std::size_t>(token)];
}

}  // namespace sovra::sampling::grammar
