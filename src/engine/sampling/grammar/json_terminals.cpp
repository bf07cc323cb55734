#include "engine/sampling/grammar/json_terminals.hpp"

#include <utility>

namespace sovra::sampling::grammar {

namespace {

Item digit() { return cls({{'0', '9'}}); }
Item digit19() { return cls({{'1', '9'}}); }

constexpr std::uint32_t kMaxIntegerDigits = 16;
constexpr std::uint32_t kMaxFractionDigits = 15;
constexpr std::uint32_t kMaxExponentDigits = 2;

}  // namespace

template <typename Make>
RuleId JsonTerminals::once(const std::string& key, Make make) {
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  const RuleId r = make();
  cache_.emplace(key, r);
  return r;
}

RuleId JsonTerminals::opt_space() {
  return once("ws", [&] { return b_.add("ws", {{lit(" ")}, {}}); });
}

Sequence JsonTerminals::colon() { return {lit(":"), ref(opt_space())}; }
Sequence JsonTerminals::comma() { return {lit(","), ref(opt_space())}; }

RuleId JsonTerminals::hex() {
  return once("hex", [&] { return b_.add("hex", {{cls({{'0', '9'}, {'a', 'f'}, {'A', 'F'}})}}); });
}

RuleId JsonTerminals::digits(std::uint32_t min, std::uint32_t max) {
  return once("digits" + std::to_string(min) + "-" + std::to_string(max),
              [&] { return b_.repeat("digits", {digit()}, min, max); });
}

RuleId JsonTerminals::string_char() {
  return once("char", [&] {
    const Item h = ref(hex());
    // \uHHHH outside D800-DFFF: a lone surrogate would make the output invalid UTF-8.
    const RuleId u = b_.add("escape-u", {{cls({{'0', '9'}, {'A', 'C'}, {'a', 'c'}}), h, h, h},
                                         {cls({{'D', 'D'}, {'d', 'd'}}), cls({{'0', '7'}}), h, h},
                                         {cls({{'E', 'F'}, {'e', 'f'}}), h, h, h}});
    const RuleId escape = b_.add(
        "escape",
        {{cls({{'"', '"'}, {'\\', '\\'}, {'/', '/'}, {'b', 'b'}, {'f', 'f'}, {'n', 'n'}, {'r', 'r'}, {'t', 't'}})},
         {lit("u"), ref(u)}});
    return b_.add("char", {{cls({{'"', '"'}, {'\\', '\\'}, {0, 0x1F}}, /*negated=*/true)}, {lit("\\"), ref(escape)}});
  });
}

RuleId JsonTerminals::string() {
  return once("string", [&] {
    const RuleId chars = b_.repeat("chars", {ref(string_char())}, 0, kUnbounded);
    return b_.add("string", {{lit("\""), ref(chars), lit("\"")}});
  });
}

RuleId JsonTerminals::string_length(std::uint32_t min, std::uint32_t max) {
  if (min == 0 && max == kUnbounded) return string();
  return once("string" + std::to_string(min) + "-" + std::to_string(max), [&] {
    const RuleId chars = b_.repeat("chars", {ref(string_char())}, min, max);
    return b_.add("string-len", {{lit("\""), ref(chars), lit("\"")}});
  });
}

std::optional<RuleId> JsonTerminals::string_format(std::string_view format) {
  const auto quoted = [&](std::string_view name, Sequence body) {
    body.insert(body.begin(), lit("\""));
    body.push_back(lit("\""));
    return b_.add(name, {std::move(body)});
  };
  const auto two = [](char a, char b) { return cls({{static_cast<char32_t>(a), static_cast<char32_t>(b)}}); };
  const auto date = [&] {
    return once("date-body", [&] {
      const Item d = digit();
      const RuleId month = b_.add("month", {{lit("0"), two('1', '9')}, {lit("1"), two('0', '2')}});
      const RuleId day = b_.add("day", {{lit("0"), two('1', '9')}, {two('1', '2'), d}, {lit("3"), two('0', '1')}});
      return b_.add("date-body", {{d, d, d, d, lit("-"), ref(month), lit("-"), ref(day)}});
    });
  };
  const auto time = [&] {
    return once("time-body", [&] {
      const Item d = digit();
      const RuleId hour = b_.add("hour", {{two('0', '1'), d}, {lit("2"), two('0', '3')}});
      const RuleId minute = b_.add("minute", {{two('0', '5'), d}});
      const RuleId frac = b_.add("time-frac", {{lit("."), ref(digits(1, 9))}, {}});
      const RuleId offset =
          b_.add("time-offset", {{lit("Z")}, {cls({{'+', '+'}, {'-', '-'}}), ref(hour), lit(":"), ref(minute)}});
      return b_.add("time-body", {{ref(hour), lit(":"), ref(minute), lit(":"), ref(minute), ref(frac), ref(offset)}});
    });
  };
  if (format == "date") return once("fmt-date", [&] { return quoted("date", {ref(date())}); });
  if (format == "time") return once("fmt-time", [&] { return quoted("time", {ref(time())}); });
  if (format == "date-time") {
    return once("fmt-date-time", [&] { return quoted("date-time", {ref(date()), lit("T"), ref(time())}); });
  }
  if (format == "uuid") {
    return once("fmt-uuid", [&] {
      const Item h = ref(hex());
      const auto run = [&](std::uint32_t n) { return ref(b_.repeat("hex" + std::to_string(n), {h}, n, n)); };
      return quoted("uuid", {run(8), lit("-"), run(4), lit("-"), run(4), lit("-"), run(4), lit("-"), run(12)});
    });
  }
  if (format == "email") {
    return once("fmt-email", [&] {
      // A practical subset of RFC 5321 addresses: dot-atoms, a domain of at least two labels.
      const Item atext = cls({{'a', 'z'},
                              {'A', 'Z'},
                              {'0', '9'},
                              {'!', '!'},
                              {'#', '\''},
                              {'*', '+'},
                              {'-', '-'},
                              {'/', '/'},
                              {'=', '='},
                              {'?', '?'},
                              {'^', '`'},
                              {'{', '~'}});
      const RuleId atom = b_.repeat("email-atom", {atext}, 1, 64);
      const RuleId local = b_.repeat("email-local", {ref(atom)}, 1, 8, {lit(".")});
      const Item alnum = cls({{'a', 'z'}, {'A', 'Z'}, {'0', '9'}});
      const RuleId word = b_.repeat("email-word", {alnum}, 1, 63);
      const RuleId label = b_.repeat("email-label", {ref(word)}, 1, 4, {lit("-")});
      const RuleId more = b_.repeat("email-labels", {lit("."), ref(label)}, 1, 8);
      return quoted("email", {ref(local), lit("@"), ref(label), ref(more)});
    });
  }
  if (format == "ipv4") {
    return once("fmt-ipv4", [&] {
      const Item d = digit();
      const RuleId octet = b_.add(
          "octet", {{lit("25"), two('0', '5')}, {lit("2"), two('0', '4'), d}, {lit("1"), d, d}, {digit19(), d}, {d}});
      const Item o = ref(octet);
      return quoted("ipv4", {o, lit("."), o, lit("."), o, lit("."), o});
    });
  }
  return std::nullopt;
}

RuleId JsonTerminals::unsigned_integer() {
  return once("uint", [&] { return b_.add("uint", {{lit("0")}, {digit19(), ref(digits(0, kMaxIntegerDigits - 1))}}); });
}

RuleId JsonTerminals::fraction() {
  return once("fraction", [&] { return b_.add("fraction", {{lit("."), ref(digits(1, kMaxFractionDigits))}}); });
}

RuleId JsonTerminals::exponent() {
  return once("exponent", [&] {
    const RuleId sign = b_.add("exp-sign", {{cls({{'+', '+'}, {'-', '-'}})}, {}});
    return b_.add("exponent", {{cls({{'e', 'e'}, {'E', 'E'}}), ref(sign), ref(digits(1, kMaxExponentDigits))}});
  });
}

RuleId JsonTerminals::non_negative_integer() { return unsigned_integer(); }

RuleId JsonTerminals::integer() {
  return once("integer", [&] {
    return b_.add("integer", {{ref(unsigned_integer())}, {lit("-"), ref(unsigned_integer())}});
  });
}

RuleId JsonTerminals::non_negative_number() {
  return once("unumber", [&] {
    const RuleId frac = b_.add("opt-fraction", {{ref(fraction())}, {}});
    const RuleId exp = b_.add("opt-exponent", {{ref(exponent())}, {}});
    return b_.add("unumber", {{ref(unsigned_integer()), ref(frac), ref(exp)}});
  });
}

RuleId JsonTerminals::number() {
  return once("number", [&] {
    return b_.add("number", {{ref(non_negative_number())}, {lit("-"), ref(non_negative_number())}});
  });
}

RuleId JsonTerminals::boolean() {
  return once("boolean", [&] { return b_.add("boolean", {{lit("true")}, {lit("false")}}); });
}

RuleId JsonTerminals::null() {
  return once("null", [&] { return b_.add("null", {{lit("null")}}); });
}

RuleId JsonTerminals::any_value() { return any_value_at(0); }
RuleId JsonTerminals::any_object() { return any_object_at(0); }

RuleId JsonTerminals::any_value_at(int depth) {
  return once("value" + std::to_string(depth), [&] {
    std::vector<Sequence> alts{{ref(string())}, {ref(number())}, {ref(boolean())}, {ref(null())}};
    if (depth + 1 < kMaxAnyValueDepth) {
      alts.push_back({ref(any_object_at(depth))});
      alts.push_back({ref(any_array_at(depth))});
    }
    return b_.add("value", std::move(alts));
  });
}

RuleId JsonTerminals::any_object_at(int depth) {
  return once("object" + std::to_string(depth), [&] {
    const RuleId member = b_.add("member", {[&] {
                                   Sequence s{ref(string())};
                                   for (Item& i : colon()) s.push_back(std::move(i));
                                   s.push_back(ref(any_value_at(depth + 1)));
                                   return s;
                                 }()});
    const RuleId members = b_.repeat("members", {ref(member)}, 0, kUnbounded, comma());
    return b_.add("object", {{lit("{"), ref(members), lit("}")}});
  });
}

RuleId JsonTerminals::any_array_at(int depth) {
  return once("array" + std::to_string(depth), [&] {
    const RuleId elements = b_.repeat("elements", {ref(any_value_at(depth + 1))}, 0, kUnbounded, comma());
    return b_.add("array", {{lit("["), ref(elements), lit("]")}});
  });
}

}  // namespace sovra::sampling::grammar
