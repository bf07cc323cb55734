#include "tokenizer/wordpiece_tokenizer.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "tokenizer/unicode.hpp"

namespace sovra::tokenizer {

namespace {

constexpr std::string_view kWordStart = "\xE2\x96\x81";  // U+2581

bool is_cjk(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
         (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

// Hugging Face's is_control: "other" categories except \t \n \r (which are whitespace).
bool is_control(char32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r') return false;
  using unicode::Category;
  const Category c = unicode::category(cp);
  return c == Category::kCc || c == Category::kCf || c == Category::kCn || c == Category::kCo || c == Category::kCs;
}

bool is_bert_punctuation(char32_t cp) {
  const bool ascii =
      (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126);
  return ascii || unicode::is_punctuation(cp);
}

}  // namespace

Result<WordPieceTokenizer> WordPieceTokenizer::create(const WordPieceVocab& vocab) {
  const std::size_t n = vocab.tokens.size();
  if (n == 0) return Error::corrupt("the WordPiece vocabulary is empty");
  if (n > static_cast<std::size_t>(std::numeric_limits<TokenId>::max())) {
    return Error::corrupt("the vocabulary has " + std::to_string(n) + " tokens, more than token ids can address");
  }
  if (!vocab.types.empty() && vocab.types.size() != n) {
    return Error::corrupt("the vocabulary has " + std::to_string(n) + " tokens but " +
                          std::to_string(vocab.types.size()) + " token types");
  }
  for (const auto& [name, id] :
       {std::pair{"CLS", vocab.bos_id}, std::pair{"SEP", vocab.eos_id}, std::pair{"unknown", vocab.unk_id}}) {
    if (id != kNoToken && (id < 0 || static_cast<std::size_t>(id) >= n)) {
      return Error::corrupt(std::string("the ") + name + " token id " + std::to_string(id) +
                            " is outside the vocabulary of " + std::to_string(n) + " tokens");
    }
  }
  WordPieceTokenizer t;
  std::vector<TokenType> types = vocab.types.empty() ? std::vector<TokenType>(n, TokenType::kNormal) : vocab.types;
  std::vector<std::string> pieces(n);
  std::vector<std::string_view> texts(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& text = vocab.tokens[i];
    texts[i] = text;
    if (types[i] == TokenType::kControl || types[i] == TokenType::kUnused) continue;
    const bool start = text.starts_with(kWordStart);
    pieces[i] = start ? " " + text.substr(kWordStart.size()) : text;
  }
  t.specials_ = SpecialTokens::create(texts, types);
  t.store_ = TokenStore::build(vocab.tokens, pieces, std::move(types), [](TokenType) { return false; });
  for (std::size_t i = 0; i < n; ++i) {
    const auto id = static_cast<TokenId>(i);
    const TokenType type = t.store_.type(id);
    if (type != TokenType::kNormal && type != TokenType::kUndefined && type != TokenType::kUserDefined) continue;
    std::string_view text = t.store_.text(id);
    if (text.starts_with(kWordStart)) {
      text.remove_prefix(kWordStart.size());
      t.starts_.insert_or_assign(text, id);
    } else {
      t.continuations_.insert_or_assign(text, id);
    }
    t.max_token_bytes_ = std::max(t.max_token_bytes_, text.size());
  }
  t.unk_id_ = vocab.unk_id;
  t.bos_id_ = vocab.bos_id;
  t.eos_id_ = vocab.eos_id;
  t.add_bos_ = vocab.add_bos;
  t.add_eos_ = vocab.add_eos;
  t.lowercase_ = vocab.lowercase;
  return t;
}

std::vector<TokenId> WordPieceTokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  std::vector<TokenId> out;
  if (options.add_bos && bos_id_ != kNoToken) out.push_back(bos_id_);
  std::vector<SpecialTokens::Fragment> fragments;
  specials_.partition(text, options.parse_special, fragments);
  for (const SpecialTokens::Fragment& f : fragments) {
    if (f.token != kNoToken) {
      out.push_back(f.token);
    } else {
      encode_text(text.substr(f.begin, f.size), out);
    }
  }
  if (options.add_eos && eos_id_ != kNoToken) out.push_back(eos_id_);
  return out;
}

void WordPieceTokenizer::encode_text(std::string_view text, std::vector<TokenId>& out) const {
  // Normalize into words: each word is UTF-8 text plus its character count.
  std::u32string scratch;
  std::string word;
  std::size_t word_chars = 0;
  const auto flush = [&] {
    if (!word.empty()) encode_word(word, word_chars, out);
    word.clear();
    word_chars = 0;
  };
  const auto add = [&](char32_t cp) {
    if (unicode::is_whitespace(cp)) {
      flush();
    } else if (is_bert_punctuation(cp) || is_cjk(cp)) {
      flush();
      unicode::append_utf8(word, cp);
      word_chars = 1;
      flush();
    } else {
      unicode::append_utf8(word, cp);
      ++word_chars;
    }
  };
  for (std::size_t at = 0; at < text.size();) {
    const unicode::Decoded d = unicode::next_code_point(text, at);
    at += d.length;
    if (d.cp == 0 || d.cp == 0xFFFD || d.cp >= unicode::kInvalidBase || is_control(d.cp)) continue;
    if (!lowercase_) {
      add(d.cp);
      continue;
    }
    std::u32string decomposed;
    unicode::append_decomposition(decomposed, d.cp);
    for (const char32_t c : decomposed) {
      if (unicode::category(c) == unicode::Category::kMn) continue;
      scratch.clear();
      unicode::append_lowercase(scratch, c);
      for (const char32_t l : scratch) add(l);
    }
  }
  flush();
}

void WordPieceTokenizer::encode_word(std::string_view word, std::size_t chars, std::vector<TokenId>& out) const {
  if (chars > kMaxWordChars) {
    if (unk_id_ != kNoToken) out.push_back(unk_id_);
    return;
  }
  const std::size_t mark = out.size();
  for (std::size_t start = 0; start < word.size();) {
    const auto& table = start == 0 ? starts_ : continuations_;
    std::size_t end = std::min(word.size(), start + max_token_bytes_);
    TokenId found = kNoToken;
    while (end > start) {
      // Only cut at character boundaries.
      if (end < word.size() && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80) {
        --end;
        continue;
      }
      const auto it = table.find(word.substr(start, end - start));
      if (it != table.end()) {
        found = it->second;
        break;
      }
      --end;
    }
    if (found == kNoToken) {
      out.resize(mark);
      if (unk_id_ != kNoToken) out.push_back(unk_id_);
      return;
    }
    out.push_back(found);
    start = end;
  }
}

std::string WordPieceTokenizer::decode(std::span<const TokenId> ids) const {
  std::string out;
  for (const TokenId id : ids) {
    std::string_view piece = store_.piece(id);
    if (out.empty() && !piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
    out += piece;
  }
  return out;
}

}  // namespace sovra::tokenizer
