#pragma once
// JsonTerminals: the grammar rules for JSON's leaves (strings, numbers, literals, string formats) and for an
// arbitrary JSON value, added on demand to one GrammarBuilder and shared by every use in it.
//
// Output shape (the whitespace policy of every grammar built from a schema): no whitespace anywhere except
// one optional space after ':' and after ','. Both `{"a":1,"b":2}` and `{"a": 1, "b": 2}` are accepted, no
// newline or indentation is: outputs stay compact and a model cannot loop on whitespace.
//
// Contract:
// - Strings: any JSON string whose escapes are \" \\ \/ \b \f \n \r \t or \uHHHH outside the surrogate range
//   (so every output is valid UTF-8 and each grammar character is one code point: minLength/maxLength count
//   code points, as JSON Schema does). Raw control characters are refused, as JSON requires.
// - Numbers: at most 16 integer digits, 15 fraction digits and 2 exponent digits, so every value parses as a
//   finite double (or an exact int64 for integers) and a model cannot emit digits forever.
// - any_value(): nesting is bounded by kMaxAnyValueDepth levels so the output parses under JSON limits.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "engine/sampling/grammar/grammar_builder.hpp"

namespace sovra::sampling::grammar {

inline constexpr int kMaxAnyValueDepth = 16;

class JsonTerminals {
 public:
  explicit JsonTerminals(GrammarBuilder& builder) : b_(builder) {}

  Sequence colon();  // ":" with the optional space
  Sequence comma();  // "," with the optional space

  RuleId string();                                             // any JSON string
  RuleId string_char();                                        // one character of a JSON string, raw or escaped
  RuleId string_length(std::uint32_t min, std::uint32_t max);  // max may be kUnbounded; caller checks caps
  // "date", "time", "date-time", "uuid", "email", "ipv4"; nullopt for any other name.
  std::optional<RuleId> string_format(std::string_view format);

  RuleId number();   // any number within the digit caps
  RuleId integer();  // -?(0|[1-9][0-9]{0,15})
  RuleId non_negative_number();
  RuleId non_negative_integer();
  RuleId fraction();  // "." [0-9]{1,15}
  RuleId boolean();
  RuleId null();

  RuleId any_value();
  RuleId any_object();

 private:
  RuleId digits(std::uint32_t min, std::uint32_t max);
  RuleId hex();
  RuleId opt_space();
  RuleId unsigned_integer();
  RuleId exponent();
  RuleId any_value_at(int depth);
  RuleId any_object_at(int depth);
  RuleId any_array_at(int depth);
  // The rule cached under `key`, made by make() the first time.
  template <typename Make>
  RuleId once(const std::string& key, Make make);

  GrammarBuilder& b_;
  std::map<std::string, RuleId, std::less<>> cache_;
};

}  // namespace sovra::sampling::grammar
