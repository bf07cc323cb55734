#include "tokenizer/spm_tokenizer.hpp"

#include <algorithm>
#include <limits>
#include <queue>
#include <utility>

namespace sovra::tokenizer {

namespace {

constexpr std::string_view kSpace = "\xE2\x96\x81";    // U+2581, SentencePiece's visible space
constexpr std::string_view kUnknown = "\xE2\x96\x85";  // U+2585, what llama.cpp prints for the unknown token

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Bytes of the character starting at text[at]: the length its lead byte announces (by the high nibble, as
// llama.cpp reads it) when that many continuation bytes follow, else 1. Valid UTF-8 splits exactly as in
// llama.cpp; a broken sequence becomes single bytes instead of swallowing the next character (llama.cpp would
// turn "\xE2 " into one 3-byte symbol that eats the escaped space), so every space survives a round trip.
std::size_t char_length(std::string_view text, std::size_t at) {
  static constexpr std::array<std::uint8_t, 16> kLengths = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  const std::size_t length = kLengths[static_cast<unsigned char>(text[at]) >> 4];
  if (length > text.size() - at) return 1;
  for (std::size_t i = 1; i < length; ++i) {
    if (!is_continuation(text[at + i])) return 1;
  }
  return length;
}

std::string unescape_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text.substr(i, kSpace.size()) == kSpace) {
      out += ' ';
      i += kSpace.size();
    } else {
      out += text[i++];
    }
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// "<0xNN>" → NN; -1 for anything else.
int parse_byte_token(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
  const int hi = hex_digit(text[3]);
  const int lo = hex_digit(text[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

std::string byte_token_text(unsigned b) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  return std::string("<0x") + kHex[b >> 4] + kHex[b & 15] + '>';
}

std::string piece_of(std::string_view text, TokenType type) {
  switch (type) {
    case TokenType::kControl:
    case TokenType::kUnused:
      return {};
    case TokenType::kUnknown:
      return std::string(kUnknown);
    case TokenType::kByte: {
      const int b = parse_byte_token(text);
      if (b >= 0) return std::string(1, static_cast<char>(b));
      return unescape_spaces(text);
    }
    case TokenType::kUndefined:
    case TokenType::kNormal:
    case TokenType::kUserDefined:
      break;
  }
  return unescape_spaces(text);
}

// One symbol of the text being merged: a byte range of the escaped fragment in a doubly linked list.
struct Symbol {
  std::int32_t prev;
  std::int32_t next;
  std::uint32_t offset;
  std::uint32_t size;  // 0 once merged into its left neighbour
};

struct Bigram {
  float score;
  std::int32_t left;
  std::int32_t right;
  std::uint32_t size;  // bytes of both symbols when queued; a mismatch later means the entry is stale
};

// Priority: higher score first, then the leftmost pair (std::priority_queue pops the "largest").
struct LowerPriority {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

Result<SpmTokenizer> SpmTokenizer::create(const SpmVocab& vocab) {
  const std::size_t n = vocab.tokens.size();
  if (n == 0) return Error::corrupt("the SentencePiece vocabulary is empty");
  if (n > static_cast<std::size_t>(std::numeric_limits<TokenId>::max())) {
    return Error::corrupt("the vocabulary has " + std::to_string(n) + " tokens, more than token ids can address");
  }
  if (!vocab.scores.empty() && vocab.scores.size() != n) {
    return Error::corrupt("the vocabulary has " + std::to_string(n) + " tokens but " +
                          std::to_string(vocab.scores.size()) + " scores");
  }
  if (!vocab.types.empty() && vocab.types.size() != n) {
    return Error::corrupt("the vocabulary has " + std::to_string(n) + " tokens but " +
                          std::to_string(vocab.types.size()) + " token types");
  }
  const std::array<std::pair<const char*, TokenId>, 3> specials = {
      {{"BOS", vocab.bos_id}, {"EOS", vocab.eos_id}, {"unknown", vocab.unk_id}}};
  for (const auto& [name, id] : specials) {
    if (id != kNoToken && (id < 0 || static_cast<std::size_t>(id) >= n)) {
      return Error::corrupt(std::string("the ") + name + " token id " + std::to_string(id) +
                            " is outside the vocabulary of " + std::to_string(n) + " tokens");
    }
  }

  SpmTokenizer t;
  t.scores_ = vocab.scores.empty() ? std::vector<float>(n, 0.0f) : vocab.scores;
  t.types_ = vocab.types.empty() ? std::vector<TokenType>(n, TokenType::kNormal) : vocab.types;
  t.bos_id_ = vocab.bos_id;
  t.eos_id_ = vocab.eos_id;
  t.unk_id_ = vocab.unk_id;
  t.add_bos_ = vocab.add_bos;
  t.add_eos_ = vocab.add_eos;
  t.add_space_prefix_ = vocab.add_space_prefix;

  t.text_offsets_.reserve(n + 1);
  t.piece_offsets_.reserve(n + 1);
  t.text_offsets_.push_back(0);
  t.piece_offsets_.push_back(0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& text = vocab.tokens[i];
    t.text_pool_.insert(t.text_pool_.end(), text.begin(), text.end());
    t.text_offsets_.push_back(t.text_pool_.size());
    const std::string piece = piece_of(text, t.types_[i]);
    t.piece_pool_.insert(t.piece_pool_.end(), piece.begin(), piece.end());
    t.piece_offsets_.push_back(t.piece_pool_.size());
    t.max_token_bytes_ = std::max(t.max_token_bytes_, text.size());
  }
  // Views are taken only now that the pool no longer grows.
  t.by_text_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto id = static_cast<TokenId>(i);
    t.by_text_.insert_or_assign(t.token_text(id), id);  // a later duplicate wins, as in llama.cpp
    const bool cut = t.types_[i] == TokenType::kUserDefined || t.types_[i] == TokenType::kControl;
    if (cut && !t.token_text(id).empty()) t.user_defined_.push_back(id);
  }
  std::sort(t.user_defined_.begin(), t.user_defined_.end(), [&t](TokenId a, TokenId b) {
    const std::size_t la = t.token_text(a).size();
    const std::size_t lb = t.token_text(b).size();
    return la > lb || (la == lb && a < b);
  });
  for (unsigned b = 0; b < 256; ++b) {
    TokenId id = t.find(byte_token_text(b));
    if (id == kNoToken) id = t.find(std::string(1, static_cast<char>(b)));
    t.byte_tokens_[b] = id == kNoToken ? t.unk_id_ : id;
  }
  return t;
}

std::string_view SpmTokenizer::token_text(TokenId id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= scores_.size()) return {};
  const auto i = static_cast<std::size_t>(id);
  return {text_pool_.data() + text_offsets_[i], text_offsets_[i + 1] - text_offsets_[i]};
}

std::string_view SpmTokenizer::token_to_piece(TokenId id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= scores_.size()) return {};
  const auto i = static_cast<std::size_t>(id);
  return {piece_pool_.data() + piece_offsets_[i], piece_offsets_[i + 1] - piece_offsets_[i]};
}

TokenType SpmTokenizer::token_type(TokenId id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= types_.size()) return TokenType::kUndefined;
  return types_[static_cast<std::size_t>(id)];
}

float SpmTokenizer::score(TokenId id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= scores_.size()) return 0.0f;
  return scores_[static_cast<std::size_t>(id)];
}

TokenId SpmTokenizer::find(std::string_view text) const {
  const auto it = by_text_.find(text);
  return it == by_text_.end() ? kNoToken : it->second;
}

TokenId SpmTokenizer::find_mergeable(std::string_view text) const {
  const TokenId id = find(text);
  if (id == kNoToken) return kNoToken;
  switch (types_[static_cast<std::size_t>(id)]) {
    case TokenType::kUndefined:
    case TokenType::kNormal:
    case TokenType::kUserDefined:
      return id;
    case TokenType::kUnknown:
    case TokenType::kControl:
    case TokenType::kUnused:
    case TokenType::kByte:
      break;
  }
  return kNoToken;
}

std::vector<TokenId> SpmTokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  std::vector<TokenId> out;
  if (options.add_bos && bos_id_ != kNoToken) out.push_back(bos_id_);
  if (text.empty()) {
    if (options.add_eos && eos_id_ != kNoToken) out.push_back(eos_id_);
    return out;
  }

  // Cut user-defined tokens out of the text, longest token first over the whole text (llama.cpp's order).
  struct Fragment {
    std::size_t begin;
    std::size_t size;
    TokenId token;  // kNoToken: plain text
  };
  std::vector<Fragment> fragments{{0, text.size(), kNoToken}};
  std::vector<Fragment> next;
  for (const TokenId special : user_defined_) {
    if (!options.parse_special && types_[static_cast<std::size_t>(special)] == TokenType::kControl) continue;
    const std::string_view needle = token_text(special);
    if (text.find(needle) == std::string_view::npos) continue;
    next.clear();
    for (const Fragment& f : fragments) {
      if (f.token != kNoToken) {
        next.push_back(f);
        continue;
      }
      const std::string_view hay = text.substr(f.begin, f.size);
      std::size_t pos = 0;
      for (std::size_t hit; (hit = hay.find(needle, pos)) != std::string_view::npos; pos = hit + needle.size()) {
        if (hit > pos) next.push_back({f.begin + pos, hit - pos, kNoToken});
        next.push_back({f.begin + hit, needle.size(), special});
      }
      if (pos < hay.size()) next.push_back({f.begin + pos, hay.size() - pos, kNoToken});
    }
    fragments.swap(next);
  }

  bool after_special = true;  // the start of the text counts as "after a special token"
  for (const Fragment& f : fragments) {
    if (f.token != kNoToken) {
      out.push_back(f.token);
      after_special = true;
    } else {
      encode_fragment(text.substr(f.begin, f.size), add_space_prefix_ && after_special, out);
      after_special = false;
    }
  }
  if (options.add_eos && eos_id_ != kNoToken) out.push_back(eos_id_);
  return out;
}

void SpmTokenizer::encode_fragment(std::string_view fragment, bool space_prefix, std::vector<TokenId>& out) const {
  std::string escaped;
  escaped.reserve(fragment.size() + kSpace.size() * 4);
  if (space_prefix) escaped += kSpace;
  for (const char c : fragment) {
    if (c == ' ') {
      escaped += kSpace;
    } else {
      escaped += c;
    }
  }
  std::string_view rest = escaped;
  while (rest.size() > kMaxFragmentBytes) {
    std::size_t cut = kMaxFragmentBytes;
    while (cut > kMaxFragmentBytes - 4 && is_continuation(rest[cut])) --cut;
    encode_escaped(rest.substr(0, cut), out);
    rest.remove_prefix(cut);
  }
  encode_escaped(rest, out);
}

void SpmTokenizer::encode_escaped(std::string_view text, std::vector<TokenId>& out) const {
  if (text.empty()) return;
  std::vector<Symbol> symbols;
  symbols.reserve(text.size());
  for (std::size_t offset = 0; offset < text.size();) {
    const std::size_t size = char_length(text, offset);
    const auto index = static_cast<std::int32_t>(symbols.size());
    symbols.push_back({index - 1, index + 1, static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(size)});
    offset += size;
  }
  symbols.back().next = -1;

  std::priority_queue<Bigram, std::vector<Bigram>, LowerPriority> queue;
  const auto try_add = [&](std::int32_t left, std::int32_t right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = symbols[static_cast<std::size_t>(left)];
    const Symbol& r = symbols[static_cast<std::size_t>(right)];
    const std::size_t size = std::size_t{l.size} + r.size;
    if (size > max_token_bytes_) return;
    const TokenId id = find_mergeable(text.substr(l.offset, size));
    if (id == kNoToken) return;
    queue.push({scores_[static_cast<std::size_t>(id)], left, right, static_cast<std::uint32_t>(size)});
  };
  for (std::size_t i = 1; i < symbols.size(); ++i) {
    try_add(static_cast<std::int32_t>(i - 1), static_cast<std::int32_t>(i));
  }

  while (!queue.empty()) {
    const Bigram bigram = queue.top();
    queue.pop();
    Symbol& left = symbols[static_cast<std::size_t>(bigram.left)];
    Symbol& right = symbols[static_cast<std::size_t>(bigram.right)];
    // Symbols only grow or vanish, and two live symbols queued as a pair stay adjacent, so an entry is current
    // exactly when both are live and their sizes still add up.
    if (left.size == 0 || right.size == 0 || left.size + right.size != bigram.size) continue;
    left.size += right.size;
    right.size = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[static_cast<std::size_t>(right.next)].prev = bigram.left;
    try_add(left.prev, bigram.left);
    try_add(bigram.left, left.next);
  }

  for (std::int32_t i = 0; i != -1; i = symbols[static_cast<std::size_t>(i)].next) {
    const Symbol& s = symbols[static_cast<std::size_t>(i)];
    const std::string_view piece = text.substr(s.offset, s.size);
    const TokenId id = find_mergeable(piece);
    if (id != kNoToken) {
      out.push_back(id);
    } else {
      append_bytes(piece, out);
    }
  }
}

void SpmTokenizer::append_bytes(std::string_view bytes, std::vector<TokenId>& out) const {
  for (const char c : bytes) {
    const TokenId id = byte_tokens_[static_cast<unsigned char>(c)];
    if (id != kNoToken) out.push_back(id);
  }
}

std::string SpmTokenizer::decode(std::span<const TokenId> ids) const {
  std::string out;
  bool first_text = true;
  for (const TokenId id : ids) {
    std::string_view piece = token_to_piece(id);
    if (piece.empty()) continue;
    if (first_text && add_space_prefix_ && piece.front() == ' ') piece.remove_prefix(1);
    first_text = false;
    out += piece;
  }
  return out;
}

}  // namespace sovra::tokenizer
