#pragma once
// Regex: the small regular-expression engine the pre-tokenizers run, over code points (unicode.hpp), with the
// semantics of Oniguruma/PCRE that Hugging Face's tokenizers use: leftmost-first alternation, greedy quantifiers.
//
// Supported syntax: literals (UTF-8), '.', '^', '$' (Ruby: also before '\n'), escapes \s \S \d \w \r \n \t \f
// \v \x{HHHH} \p{..} \P{..} \pL and escaped punctuation; classes [...] with ranges, negation and escapes inside;
// groups (...), (?:...), (?i:...) (ASCII case-insensitive); quantifiers * + ? {n} {n,} {n,m}; lookahead (?=X)
// and (?!X) where X is a single character or class (all tokenizer patterns need).
//
// Contract: compile() fails with kInvalidArgument naming the position for anything else. find() never fails: it
// runs in O(scanned code points × program size) for one call (a visited set bounds backtracking), so no input
// makes it exponential. A Regex is immutable and safe to share between threads; find's scratch is per call.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "tokenizer/unicode.hpp"

namespace sovra::tokenizer {

class Regex {
 public:
  struct Span {
    std::size_t begin;  // code point indices into the searched text
    std::size_t end;
  };

  static Result<Regex> compile(std::string_view pattern);

  // The leftmost-first match starting at or after `from`; text.size() is the end of the subject ('$'), and
  // '^' matches at index 0 or after '\n'.
  // `scratch` is reused between calls (one per thread); its cost is proportional to the code points scanned.
  struct Scratch {
    std::vector<std::uint64_t> visited;
    std::vector<std::pair<std::uint32_t, std::size_t>> stack;  // (instruction, position) to resume at
  };
  std::optional<Span> find(std::span<const char32_t> text, std::size_t from, Scratch& scratch) const;

  // One set of code points: ranges, categories and the White_Space property, maybe negated.
  struct CharClass {
    std::vector<std::pair<char32_t, char32_t>> ranges;
    unicode::CategoryMask categories = 0;
    unicode::CategoryMask not_categories = 0;  // \P{..} inside a class
    bool space = false;
    bool not_space = false;  // \S inside a class
    bool negated = false;
    std::uint64_t ascii[2] = {0, 0};  // precomputed membership for code points < 128
    bool contains(char32_t cp) const;
    bool contains_slow(char32_t cp) const;
  };

  enum class Op : std::uint8_t { kClass, kSplit, kJump, kPeek, kNotPeek, kLineBegin, kLineEnd, kMatch };
  struct Inst {
    Op op;
    std::uint32_t x;  // kClass/kPeek/kNotPeek: class index; kSplit: preferred target; kJump: target
    std::uint32_t y;  // kSplit: the other target
  };

 private:
  friend class RegexCompiler;
  std::vector<Inst> program_;
  std::vector<CharClass> classes_;
};

}  // namespace sovra::tokenizer
