#pragma once
// GrammarBuilder: assembles a Grammar from rules written as alternatives of sequences of items.
//
// Contract:
// - declare() reserves a rule (so rules can refer to each other, recursion included) and define() gives its
//   alternatives, once. add() does both. Names are for to_text() and error messages; a taken name gets a
//   numeric suffix.
// - Items: lit("…") is a UTF-8 literal (one class per code point), cls(ranges, negated) a code-point class,
//   ref(rule) a rule. An empty sequence is the empty string.
// - repeat() returns a helper rule for `body` repeated min..max times (kUnbounded: no upper bound), with an
//   optional separator between repetitions (`a ("," a)*` shapes). Bounded repetition costs one small rule per
//   optional repetition, so callers cap max (see kMaxBoundedRepeat).
// - build(root) checks the whole grammar (see grammar.hpp for the guarantees) and fails with kInvalidArgument
//   naming the rule: undefined rule, left recursion, root that derives no finite string, invalid UTF-8 in a
//   literal, or more than kMaxElements elements. The builder is consumed.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "engine/sampling/grammar/grammar.hpp"

namespace sovra::sampling::grammar {

inline constexpr std::uint32_t kUnbounded = UINT32_MAX;
inline constexpr std::uint32_t kMaxBoundedRepeat = 4096;
inline constexpr std::size_t kMaxElements = std::size_t{1} << 21;

struct Item {
  enum class Kind : std::uint8_t { kLiteral, kClass, kRule };
  Kind kind = Kind::kLiteral;
  std::string literal;                 // kLiteral: UTF-8
  std::vector<CodePointRange> ranges;  // kClass
  bool negated = false;                // kClass
  RuleId rule = 0;                     // kRule
};

using Sequence = std::vector<Item>;

Item lit(std::string_view utf8);
Item cls(std::vector<CodePointRange> ranges, bool negated = false);
Item ref(RuleId rule);

class GrammarBuilder {
 public:
  RuleId declare(std::string_view name);
  void define(RuleId rule, std::vector<Sequence> alternatives);
  RuleId add(std::string_view name, std::vector<Sequence> alternatives);

  // `body` between min and max times, `separator` between consecutive repetitions.
  RuleId repeat(std::string_view name, Sequence body, std::uint32_t min, std::uint32_t max, Sequence separator = {});

  std::size_t rule_count() const { return rules_.size(); }
  Result<Grammar> build(RuleId root) &&;

 private:
  struct PendingRule {
    std::string name;
    std::optional<std::vector<Sequence>> alternatives;
  };

  // A rule holding exactly `body`, or the body's single rule reference when it is one already.
  RuleId as_rule(std::string_view name, Sequence body);

  std::vector<PendingRule> rules_;
  std::map<std::string, int, std::less<>> name_uses_;
};

}  // namespace sovra::sampling::grammar
