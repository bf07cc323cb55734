#pragma once
// JSON Schema "pattern" → grammar: the characters between a JSON string's quotes such that the decoded string
// matches the regular expression.
//
// Contract:
// - Supports the ECMA-262 subset schemas use: literals, '.', classes ([a-z], [^…], \d \D \w \W \s \S inside
//   or outside classes), escapes (\t \n \r \f \v \uHHHH \xHH, escaped punctuation), groups ((…), (?:…)),
//   alternation, quantifiers (* + ? {m} {m,} {m,n}, lazy forms too, bounds up to 1000), and '^' / '$' at the
//   very start / end of the pattern. JSON Schema patterns are searches: a side without an anchor may hold any
//   characters.
// - Anything else (backreferences, lookaround, \b, anchors elsewhere, named groups, flags) is kInvalidArgument
//   naming the construct and its offset. Never crashes on any input.
// - Characters JSON must escape (", \, controls) are generated escaped; every other character raw. The
//   language generated may be a subset of the pattern's (an unbounded repetition of something that can be
//   empty is capped at 64 repetitions), never a superset.
#include <string_view>

#include "common/error.hpp"
#include "engine/sampling/grammar/grammar_builder.hpp"
#include "engine/sampling/grammar/json_terminals.hpp"

namespace sovra::sampling::grammar {

inline constexpr std::size_t kMaxPatternBytes = 4096;

Result<RuleId> compile_pattern(GrammarBuilder& builder, JsonTerminals& terms, std::string_view pattern);

}  // namespace sovra::sampling::grammar
