#include "tokenizer/bpe_tokenizer.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "tokenizer/byte_level.hpp"

namespace sovra::tokenizer {

namespace {

bool mergeable(TokenType t) {
  return t == TokenType::kNormal || t == TokenType::kUndefined || t == TokenType::kUserDefined;
}

// One symbol of a pre-token being merged: a byte range in a doubly linked list.
struct Symbol {
  std::int32_t prev;
  std::int32_t next;
  std::uint32_t offset;
  std::uint32_t size;  // 0 once merged into its left neighbour
  TokenId id;
};

struct Candidate {
  std::int32_t rank;
  std::int32_t left;
  std::int32_t right;
  std::uint32_t size;  // bytes of both symbols when queued; a mismatch later means the entry is stale
  TokenId result;
};

// Heap order: the lowest rank, then the leftmost pair, on top.
bool lower_priority(const Candidate& a, const Candidate& b) {
  return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
}

}  // namespace

Result<BpeTokenizer> BpeTokenizer::create(const BpeVocab& vocab) {
  const std::size_t n = vocab.tokens.size();
  if (n == 0) return Error::corrupt("the BPE vocabulary is empty");
  if (n > static_cast<std::size_t>(std::numeric_limits<TokenId>::max())) {
    return Error::corrupt("the vocabulary has " + std::to_string(n) + " tokens, more than token ids can address");
  }
  if (!vocab.types.empty() && vocab.types.size() != n) {
    return Error::corrupt("the vocabulary has " + std::to_string(n) + " tokens but " +
                          std::to_string(vocab.types.size()) + " token types");
  }
  for (const auto& [name, id] : {std::pair{"BOS", vocab.bos_id}, std::pair{"EOS", vocab.eos_id}}) {
    if (id != kNoToken && (id < 0 || static_cast<std::size_t>(id) >= n)) {
      return Error::corrupt(std::string("the ") + name + " token id " + std::to_string(id) +
                            " is outside the vocabulary of " + std::to_string(n) + " tokens");
    }
  }
  BpeTokenizer t;
  SOVRA_TRY(t.pre_, PreTokenizer::create(vocab.pre));
  std::vector<TokenType> types = vocab.types.empty() ? std::vector<TokenType>(n, TokenType::kNormal) : vocab.types;

  // Normal tokens are stored as raw bytes; added tokens (user-defined, control) are verbatim text.
  std::vector<std::string> raw(n);
  std::vector<std::string> pieces(n);
  for (std::size_t i = 0; i < n; ++i) {
    const bool byte_level = types[i] == TokenType::kNormal || types[i] == TokenType::kUndefined;
    std::optional<std::string> bytes = byte_level ? from_byte_level(vocab.tokens[i]) : std::nullopt;
    raw[i] = bytes ? std::move(*bytes) : vocab.tokens[i];
    const bool silent = types[i] == TokenType::kControl || types[i] == TokenType::kUnused;
    pieces[i] = silent ? std::string() : raw[i];
  }
  std::vector<std::string_view> verbatim(n);
  for (std::size_t i = 0; i < n; ++i) verbatim[i] = vocab.tokens[i];
  t.specials_ = SpecialTokens::create(verbatim, types);
  t.store_ = TokenStore::build(raw, pieces, std::move(types), mergeable);

  for (unsigned b = 0; b < 256; ++b) t.byte_tokens_[b] = t.store_.find(std::string(1, static_cast<char>(b)));

  std::vector<MergeTable::Entry> merges;
  merges.reserve(vocab.merges.size());
  for (std::size_t rank = 0; rank < vocab.merges.size(); ++rank) {
    const std::string_view line = vocab.merges[rank];
    const std::size_t space = line.size() > 1 ? line.find(' ', 1) : std::string_view::npos;
    if (space == std::string_view::npos) {
      return Error::corrupt("merge " + std::to_string(rank) + " ('" + std::string(line.substr(0, 64)) +
                            "') is not two tokens separated by a space");
    }
    const std::optional<std::string> left = from_byte_level(line.substr(0, space));
    const std::optional<std::string> right = from_byte_level(line.substr(space + 1));
    if (!left || !right) continue;
    const TokenId l = t.store_.find(*left);
    const TokenId r = t.store_.find(*right);
    const TokenId result = t.store_.find(*left + *right);
    if (l == kNoToken || r == kNoToken || result == kNoToken) continue;
    merges.push_back({l, r, static_cast<std::int32_t>(rank), result});
  }
  t.merges_ = MergeTable(merges);
  t.bos_id_ = vocab.bos_id;
  t.eos_id_ = vocab.eos_id;
  t.add_bos_ = vocab.add_bos;
  t.add_eos_ = vocab.add_eos;
  return t;
}

std::vector<TokenId> BpeTokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  std::vector<TokenId> out;
  out.reserve(text.size() / 3 + 2);
  if (options.add_bos && bos_id_ != kNoToken) out.push_back(bos_id_);
  std::vector<SpecialTokens::Fragment> fragments;
  specials_.partition(text, options.parse_special, fragments);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> words;
  for (const SpecialTokens::Fragment& f : fragments) {
    if (f.token != kNoToken) {
      out.push_back(f.token);
      continue;
    }
    const std::string_view fragment = text.substr(f.begin, f.size);
    words.clear();
    pre_.split(fragment, words);
    for (const auto& [begin, end] : words) encode_word(fragment.substr(begin, end - begin), out);
  }
  if (options.add_eos && eos_id_ != kNoToken) out.push_back(eos_id_);
  return out;
}

void BpeTokenizer::encode_word(std::string_view word, std::vector<TokenId>& out) const {
  if (word.empty()) return;
  if (word.size() == 1) {
    const TokenId id = byte_tokens_[static_cast<unsigned char>(word[0])];
    if (id != kNoToken) out.push_back(id);
    return;
  }
  if (pre_.ignore_merges()) {
    const TokenId whole = store_.find(word);
    if (whole != kNoToken) {
      out.push_back(whole);
      return;
    }
  }
  thread_local std::vector<Symbol> symbols;
  thread_local std::vector<Candidate> heap;
  symbols.clear();
  heap.clear();
  for (std::size_t i = 0; i < word.size(); ++i) {
    const auto index = static_cast<std::int32_t>(i);
    symbols.push_back(
        {index - 1, index + 1, static_cast<std::uint32_t>(i), 1, byte_tokens_[static_cast<unsigned char>(word[i])]});
  }
  symbols.back().next = -1;

  const auto try_add = [this](std::int32_t left, std::int32_t right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = symbols[static_cast<std::size_t>(left)];
    const Symbol& r = symbols[static_cast<std::size_t>(right)];
    if (l.id == kNoToken || r.id == kNoToken) return;
    const MergeTable::Entry* m = merges_.find(l.id, r.id);
    if (m == nullptr) return;
    heap.push_back({m->rank, left, right, l.size + r.size, m->result});
    std::push_heap(heap.begin(), heap.end(), lower_priority);
  };
  for (std::size_t i = 1; i < symbols.size(); ++i) {
    try_add(static_cast<std::int32_t>(i - 1), static_cast<std::int32_t>(i));
  }
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), lower_priority);
    const Candidate c = heap.back();
    heap.pop_back();
    Symbol& left = symbols[static_cast<std::size_t>(c.left)];
    Symbol& right = symbols[static_cast<std::size_t>(c.right)];
    // Symbols only grow or vanish, so an entry is current exactly when both are live and their sizes still add up.
    if (left.size == 0 || right.size == 0 || left.next != c.right || left.size + right.size != c.size) continue;
    left.size += right.size;
    left.id = c.result;
    right.size = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[static_cast<std::size_t>(right.next)].prev = c.left;
    try_add(left.prev, c.left);
    try_add(c.left, left.next);
  }
  for (std::int32_t i = 0; i != -1; i = symbols[static_cast<std::size_t>(i)].next) {
    const Symbol& s = symbols[static_cast<std::size_t>(i)];
    if (s.id != kNoToken) {
      out.push_back(s.id);
      continue;
    }
    for (std::uint32_t b = 0; b < s.size; ++b) {  // only unmerged bytes without a token get here
      const TokenId id = byte_tokens_[static_cast<unsigned char>(word[s.offset + b])];
      if (id != kNoToken) out.push_back(id);
    }
  }
}

std::string BpeTokenizer::decode(std::span<const TokenId> ids) const {
  std::string out;
  for (const TokenId id : ids) out += store_.piece(id);
  return out;
}

}  // namespace sovra::tokenizer
