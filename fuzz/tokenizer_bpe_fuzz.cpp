// Fuzzes byte-level BPE (under every pre-tokenizer family, chosen by the first input byte) and WordPiece with
// arbitrary bytes: ids must be in range, encoding deterministic, BPE's decode(encode(s)) == s (added tokens
// decode to their text, control tokens are never parsed by default), and the streaming decoder must return
// exactly the decoded text with invalid UTF-8 replaced, never splitting a character across chunks.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/bpe_tokenizer.hpp"
#include "tokenizer/byte_level.hpp"
#include "tokenizer/stream_decoder.hpp"
#include "tokenizer/wordpiece_tokenizer.hpp"

namespace {

using namespace sovra::tokenizer;

constexpr std::array<const char*, 10> kPres = {"default",        "gpt-2",  "llama-bpe", "qwen2",  "deepseek-llm",
                                               "deepseek-coder", "falcon", "starcoder", "gpt-4o", "tekken"};

BpeVocab bpe_vocab(const char* pre) {
  BpeVocab v;
  for (int b = 0; b < 256; ++b) v.tokens.push_back(to_byte_level(std::string(1, static_cast<char>(b))));
  v.types.assign(256, TokenType::kNormal);
  const auto add = [&v](std::string_view raw, TokenType type) {
    v.tokens.push_back(type == TokenType::kNormal ? to_byte_level(raw) : std::string(raw));
    v.types.push_back(type);
  };
  // Merges over ASCII, a space prefix and multi-byte characters (é, 日, 🎉 split into bytes).
  const std::vector<std::pair<std::string, std::string>> merges = {
      {" ", "t"},       {"h", "e"},           {" t", "he"},     {"e", "r"}, {"\xC3", "\xA9"},
      {"\xE6", "\x97"}, {"\xE6\x97", "\xA5"}, {"\xF0", "\x9F"}, {"1", "2"}, {"12", "3"},
      {" ", " "},       {"  ", "  "},         {"\n", "\n"},     {"a", "b"}, {"ab", "ab"}};
  for (const auto& [l, r] : merges) {
    v.merges.push_back(to_byte_level(l) + " " + to_byte_level(r));
    add(l + r, TokenType::kNormal);
  }
  add("<|im_start|>", TokenType::kControl);
  add("<|im_end|>", TokenType::kControl);
  add("<tool>", TokenType::kUserDefined);
  v.bos_id = static_cast<TokenId>(v.tokens.size() - 3);
  v.eos_id = static_cast<TokenId>(v.tokens.size() - 2);
  v.pre = pre;
  return v;
}

const BpeTokenizer& bpe(std::size_t which) {
  static const auto all = [] {
    std::vector<std::unique_ptr<BpeTokenizer>> out;
    for (const char* pre : kPres) {
      auto t = BpeTokenizer::create(bpe_vocab(pre));
      if (!t) std::abort();
      out.push_back(std::make_unique<BpeTokenizer>(std::move(*t)));
    }
    return out;
  }();
  return *all[which % all.size()];
}

const WordPieceTokenizer& wordpiece() {
  static const WordPieceTokenizer t = [] {
    WordPieceVocab v;
    v.tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "▁the", "▁a", "b", "▁日", "▁é", "s", "▁,", "▁1", "2"};
    v.types.assign(v.tokens.size(), TokenType::kNormal);
    for (const std::size_t i : {0u, 2u, 3u}) v.types[i] = TokenType::kControl;
    v.unk_id = 1;
    v.bos_id = 2;
    v.eos_id = 3;
    auto r = WordPieceTokenizer::create(v);
    if (!r) std::abort();
    return std::move(*r);
  }();
  return t;
}

void check_range(const Tokenizer& t, const std::vector<TokenId>& ids) {
  for (const TokenId id : ids) {
    if (id < 0 || static_cast<std::size_t>(id) >= t.vocab_size()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const BpeTokenizer& t = bpe(data[0]);

  const std::vector<TokenId> ids = t.encode(text, false);
  check_range(t, ids);
  if (t.decode(ids) != text) std::abort();
  if (t.encode(text, false) != ids) std::abort();
  for (const TokenId id : ids) {
    if (id == t.bos_id() || id == t.eos_id()) std::abort();  // control tokens only with parse_special
  }
  const std::vector<TokenId> special = t.encode(text, {.add_bos = true, .add_eos = true, .parse_special = true});
  check_range(t, special);
  if (special.size() < 2 || special.front() != t.bos_id() || special.back() != t.eos_id()) std::abort();

  StreamDecoder stream(t);
  std::string streamed;
  for (const TokenId id : ids) {
    const std::string chunk = stream.push(id);
    if (complete_prefix(chunk) != chunk.size()) std::abort();
    streamed += chunk;
  }
  streamed += stream.finish();
  std::string expected;
  append_sanitized(expected, t.decode(ids));
  if (streamed != expected) std::abort();

  const std::vector<TokenId> wp = wordpiece().encode(text, {.add_bos = true, .add_eos = true});
  check_range(wordpiece(), wp);
  if (wp.size() < 2) std::abort();
  return 0;
}
