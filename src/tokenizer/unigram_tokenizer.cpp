#include "tokenizer/unigram_tokenizer.hpp"

#include <algorithm>
#include <limits>

#include "tokenizer/sp_normalize.hpp"

namespace sovra::tokenizer {
namespace {

constexpr std::string_view kSpace = "\xE2\x96\x81";  // "▁"

// Bytes of the UTF-8 character starting with b (1 for a stray continuation or invalid lead byte).
std::size_t char_len(unsigned char b) {
  if (b < 0x80) return 1;
  if ((b >> 5) == 0x6) return 2;
  if ((b >> 4) == 0xE) return 3;
  if ((b >> 3) == 0x1E) return 4;
  return 1;
}

}  // namespace

Result<UnigramTokenizer> UnigramTokenizer::create(const UnigramVocab& vocab) {
  const std::size_t n = vocab.tokens.size();
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
  for (const auto& [name, id] :
       {std::pair{"BOS", vocab.bos_id}, std::pair{"EOS", vocab.eos_id}, std::pair{"unknown", vocab.unk_id}}) {
    if (id != kNoToken && (id < 0 || static_cast<std::size_t>(id) >= n)) {
      return Error::corrupt(std::string("the ") + name + " token id " + std::to_string(id) +
                            " is outside the vocabulary of " + std::to_string(n) + " tokens");
    }
  }
  auto charsmap = PrecompiledCharsmap::parse(vocab.precompiled_charsmap);
  if (!charsmap) return std::move(charsmap).error();
  UnigramTokenizer t;
  t.charsmap_ = std::move(*charsmap);
  std::vector<TokenType> types = vocab.types.empty() ? std::vector<TokenType>(n, TokenType::kNormal) : vocab.types;
  t.scores_ = vocab.scores.empty() ? std::vector<float>(n, 0.0f) : vocab.scores;
  std::vector<std::string> pieces(n);
  std::vector<std::string_view> texts(n);
  for (std::size_t i = 0; i < n; ++i) {
    texts[i] = vocab.tokens[i];
    if (types[i] == TokenType::kControl || types[i] == TokenType::kUnused) continue;
    std::string piece;
    std::string_view s = vocab.tokens[i];
    for (std::size_t p = 0; p < s.size();) {
      if (s.substr(p).starts_with(kSpace)) {
        piece += ' ';
        p += kSpace.size();
      } else {
        piece += s[p++];
      }
    }
    pieces[i] = std::move(piece);
  }
  t.specials_ = SpecialTokens::create(texts, types);
  t.store_ = TokenStore::build(vocab.tokens, pieces, std::move(types), [](TokenType) { return false; });
  float min_score = std::numeric_limits<float>::max();
  for (std::size_t i = 0; i < n; ++i) {
    const auto id = static_cast<TokenId>(i);
    const TokenType type = t.store_.type(id);
    if (type != TokenType::kNormal && type != TokenType::kUndefined && type != TokenType::kUserDefined) continue;
    const std::string_view text = t.store_.text(id);
    if (text.empty()) continue;
    t.candidates_.insert_or_assign(text, id);  // the last of equal texts wins, as elsewhere
    t.max_token_bytes_ = std::max(t.max_token_bytes_, text.size());
    if (type != TokenType::kUserDefined) min_score = std::min(min_score, t.scores_[i]);
  }
  if (min_score == std::numeric_limits<float>::max()) min_score = 0.0f;
  t.unknown_score_ = static_cast<double>(min_score) - kUnknownPenalty;
  t.bos_id_ = vocab.bos_id;
  t.eos_id_ = vocab.eos_id;
  t.unk_id_ = vocab.unk_id;
  t.add_bos_ = vocab.add_bos;
  t.add_eos_ = vocab.add_eos;
  t.add_space_prefix_ = vocab.add_space_prefix;
  t.remove_extra_whitespaces_ = vocab.remove_extra_whitespaces;
  return t;
}

float UnigramTokenizer::score(TokenId id) const {
  return store_.valid(id) ? scores_[static_cast<std::size_t>(id)] : 0.0f;
}

std::string UnigramTokenizer::normalize(std::string_view fragment) const {
  return sp_normalize(charsmap_, fragment,
                      {.add_dummy_prefix = add_space_prefix_,
                       .remove_extra_whitespaces = remove_extra_whitespaces_,
                       .escape_whitespaces = true});
}

void UnigramTokenizer::encode_normalized(std::string_view text, std::vector<TokenId>& out) const {
  const std::size_t n = text.size();
  struct Best {
    double score = -std::numeric_limits<double>::infinity();
    TokenId token = kNoToken;  // kNoToken with start set: the unknown token
    std::size_t start = 0;
    bool reached = false;
  };
  std::vector<Best> best(n + 1);
  best[0] = {.score = 0.0, .reached = true};
  for (std::size_t i = 0; i < n; ++i) {
    if (!best[i].reached) continue;
    const std::size_t first = std::min(char_len(static_cast<unsigned char>(text[i])), n - i);
    bool single_char_token = false;
    const std::size_t limit = std::min(max_token_bytes_, n - i);
    for (std::size_t len = 1; len <= limit; ++len) {
      const auto it = candidates_.find(text.substr(i, len));
      if (it == candidates_.end()) continue;
      const TokenId id = it->second;
      const double s = best[i].score + (store_.type(id) == TokenType::kUserDefined
                                             ? 0.0
                                             : static_cast<double>(scores_[static_cast<std::size_t>(id)]));
      if (len == first) single_char_token = true;
      Best& b = best[i + len];
      if (!b.reached || s > b.score) b = {.score = s, .token = id, .start = i, .reached = true};
    }
    if (!single_char_token) {
      const double s = best[i].score + unknown_score_;
      Best& b = best[i + first];
      if (!b.reached || s > b.score) b = {.score = s, .token = kNoToken, .start = i, .reached = true};
    }
  }
  std::vector<TokenId> rev;
  for (std::size_t end = n; end > 0;) {
    const Best& b = best[end];
    const bool unknown = b.token == kNoToken;
    // Consecutive unknown characters become one unknown token.
    if (!(unknown && !rev.empty() && rev.back() == kNoToken)) rev.push_back(b.token);
    end = b.start;
  }
  for (auto it = rev.rbegin(); it != rev.rend(); ++it) {
    if (*it != kNoToken) {
      out.push_back(*it);
    } else if (unk_id_ != kNoToken) {
      out.push_back(unk_id_);
    }
  }
}

std::vector<TokenId> UnigramTokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  std::vector<TokenId> out;
  if (options.add_bos && bos_id_ != kNoToken) out.push_back(bos_id_);
  std::vector<SpecialTokens::Fragment> fragments;
  specials_.partition(text, options.parse_special, fragments);
  for (const SpecialTokens::Fragment& f : fragments) {
    if (f.token != kNoToken) {
      out.push_back(f.token);
    } else {
      encode_normalized(normalize(text.substr(f.begin, f.size)), out);
    }
  }
  if (options.add_eos && eos_id_ != kNoToken) out.push_back(eos_id_);
  return out;
}

std::string UnigramTokenizer::decode(std::span<const TokenId> ids) const {
  std::string out;
  bool first_text = true;
  for (TokenId id : ids) {
    std::string_view piece = store_.piece(id);
    if (piece.empty()) continue;
    if (first_text && add_space_prefix_ && piece.front() == ' ') piece.remove_prefix(1);
    first_text = false;
    out += piece;
  }
  return out;
}

}  // namespace sovra::tokenizer
