#pragma once
// Grammar: an immutable context-free grammar over Unicode code points, the compiled form of a GBNF-like
// description (rules of alternatives of sequences; an item is a code-point class or a reference to a rule;
// literals are sequences of one-code-point classes; repetition is expanded into helper rules by the builder).
//
// Contract:
// - Built only by GrammarBuilder::build, which guarantees: every referenced rule is defined, no rule is
//   left-recursive (directly or through nullable prefixes), every alternative left can derive a finite string
//   (alternatives that cannot are removed; a grammar whose root cannot is refused), classes hold no surrogates
//   (U+D800..U+DFFF) and nothing above U+10FFFF. The matcher relies on all of this to terminate and to never
//   reach a dead end in a state it accepted.
// - Immutable and thread-safe after build; matchers share it through std::shared_ptr.
// - Layout: `elements` is flat; an alternative is a run of elements ended by a kEnd element; a rule is a list of
//   alternative start positions. Positions (uint32) index `elements`.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sovra::sampling::grammar {

using RuleId = std::uint32_t;

struct CodePointRange {
  char32_t lo = 0;  // inclusive
  char32_t hi = 0;  // inclusive
};

inline constexpr char32_t kMaxCodePoint = 0x10FFFF;

// A set of code points: sorted, disjoint, non-adjacent ranges, with a bitmap for the ASCII fast path.
class CharClass {
 public:
  // Normalises `ranges` (any order, overlaps allowed), complements them when `negated`, and removes surrogates
  // and values above U+10FFFF.
  static CharClass from_ranges(std::vector<CodePointRange> ranges, bool negated);

  bool contains(char32_t cp) const;
  // True when some member lies in [lo, hi].
  bool intersects(char32_t lo, char32_t hi) const;
  bool empty() const { return ranges_.empty(); }
  const std::vector<CodePointRange>& ranges() const { return ranges_; }

  bool operator==(const CharClass& other) const;

 private:
  std::vector<CodePointRange> ranges_;
  std::array<std::uint64_t, 2> ascii_{};
};

enum class ElementKind : std::uint8_t {
  kEnd,    // end of an alternative
  kRule,   // arg: RuleId
  kClass,  // arg: index into classes
};

struct Element {
  ElementKind kind = ElementKind::kEnd;
  std::uint32_t arg = 0;
};

class Grammar {
 public:
  RuleId root() const { return root_; }
  std::size_t rule_count() const { return rule_alts_.size(); }
  std::size_t element_count() const { return elements_.size(); }

  // Start positions of the alternatives of `rule`.
  std::span<const std::uint32_t> alternatives(RuleId rule) const {
    return {alt_starts_.data() + rule_alts_[rule].first, rule_alts_[rule].second - rule_alts_[rule].first};
  }
  const Element& element(std::uint32_t pos) const { return elements_[pos]; }
  const CharClass& char_class(std::uint32_t id) const { return classes_[id]; }
  std::string_view rule_name(RuleId rule) const { return names_[rule]; }

  // GBNF-like text, one rule a line, for tests and debugging ("root ::= "{" ws members "}" | ...").
  std::string to_text() const;

 private:
  friend class GrammarBuilder;

  RuleId root_ = 0;
  std::vector<Element> elements_;
  std::vector<std::uint32_t> alt_starts_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> rule_alts_;  // [begin, end) into alt_starts_
  std::vector<CharClass> classes_;
  std::vector<std::string> names_;
};

}  // namespace sovra::sampling::grammar
