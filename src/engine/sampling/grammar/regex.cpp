#include "engine/sampling/grammar/regex.hpp"

#include <fmt/format.h>

#include <optional>
#include <utility>
#include <vector>

namespace sovra::sampling::grammar {

namespace {

constexpr std::uint32_t kMaxRegexRepeat = 1000;
constexpr std::uint32_t kNullableRepeatCap = 64;
constexpr int kMaxRegexDepth = 32;

struct Frag {
  Sequence seq;
  bool nullable = false;
};

bool decode(std::string_view s, std::vector<char32_t>& out) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t len = b0 < 0x80 ? 1 : b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC2 ? 2 : 0;
    if (len == 0 || i + len > s.size() || b0 > 0xF4) return false;
    char32_t cp = len == 1 ? b0 : b0 & (0x7F >> len);
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    const char32_t min = len == 1 ? 0 : len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > kMaxCodePoint || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    out.push_back(cp);
    i += len;
  }
  return true;
}

int hex_value(char32_t c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
  return -1;
}

std::vector<CodePointRange> complement(const std::vector<CodePointRange>& r) {
  return CharClass::from_ranges(r, true).ranges();
}

const std::vector<CodePointRange> kDigit = {{'0', '9'}};
const std::vector<CodePointRange> kWord = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
const std::vector<CodePointRange> kSpace = {{'\t', '\r'},     {' ', ' '},       {0xA0, 0xA0},     {0x1680, 0x1680},
                                            {0x2000, 0x200A}, {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F},
                                            {0x3000, 0x3000}, {0xFEFF, 0xFEFF}};

class RegexCompiler {
 public:
  RegexCompiler(GrammarBuilder& b, JsonTerminals& terms, std::vector<char32_t> cps)
      : b_(b), terms_(terms), cps_(std::move(cps)) {}

  Result<RuleId> run() {
    std::size_t begin = 0;
    std::size_t end = cps_.size();
    const bool anchored_start = end > 0 && cps_[0] == '^';
    if (anchored_start) begin = 1;
    bool anchored_end = false;
    if (end > begin && cps_[end - 1] == '$') {
      std::size_t backslashes = 0;
      for (std::size_t i = end - 1; i > begin && cps_[i - 1] == '\\'; --i) ++backslashes;
      anchored_end = backslashes % 2 == 0;
      if (anchored_end) --end;
    }
    pos_ = begin;
    end_ = end;
    SOVRA_TRY(Frag body, alternation(0));
    if (pos_ != end_) return error("unmatched ')'");
    Sequence seq;
    if (!anchored_start) seq.push_back(ref(any_chars()));
    for (Item& i : body.seq) seq.push_back(std::move(i));
    if (!anchored_end) seq.push_back(ref(any_chars()));
    return b_.add("pattern", {std::move(seq)});
  }

 private:
  Error error(const std::string& what) const {
    return Error::invalid(what + " at character " + std::to_string(pos_) + " of the pattern");
  }
  bool at(char32_t c) const { return pos_ < end_ && cps_[pos_] == c; }

  RuleId any_chars() { return b_.repeat("pattern-any", {ref(terms_.string_char())}, 0, kUnbounded); }

  Result<Frag> alternation(int depth) {
    if (depth > kMaxRegexDepth) return error("groups nest too deeply");
    std::vector<Frag> alts;
    SOVRA_TRY(Frag first, concat(depth));
    alts.push_back(std::move(first));
    while (at('|')) {
      ++pos_;
      SOVRA_TRY(Frag next, concat(depth));
      alts.push_back(std::move(next));
    }
    if (alts.size() == 1) return std::move(alts[0]);
    std::vector<Sequence> seqs;
    bool nullable = false;
    for (Frag& f : alts) {
      nullable |= f.nullable;
      seqs.push_back(std::move(f.seq));
    }
    return Frag{{ref(b_.add("pattern-alt", std::move(seqs)))}, nullable};
  }

  Result<Frag> concat(int depth) {
    Frag out{{}, true};
    while (pos_ < end_ && !at('|') && !at(')')) {
      SOVRA_TRY(Frag a, atom(depth));
      SOVRA_TRY(Frag q, quantified(std::move(a)));
      out.nullable = out.nullable && q.nullable;
      for (Item& i : q.seq) out.seq.push_back(std::move(i));
    }
    return out;
  }

  Result<Frag> atom(int depth) {
    const char32_t c = cps_[pos_];
    switch (c) {
      case '(': {
        ++pos_;
        if (at('?')) {
          if (pos_ + 1 < end_ && cps_[pos_ + 1] == ':') {
            pos_ += 2;
          } else {
            return error("lookaround and named groups are not supported");
          }
        }
        SOVRA_TRY(Frag inner, alternation(depth + 1));
        if (!at(')')) return error("missing ')'");
        ++pos_;
        return inner;
      }
      case '[':
        return char_class();
      case '.':
        ++pos_;
        return emit(CharClass::from_ranges({{'\n', '\n'}, {'\r', '\r'}, {0x2028, 0x2029}}, true));
      case '\\': {
        ++pos_;
        SOVRA_TRY(auto ranges, escape(false));
        return emit(CharClass::from_ranges(std::move(ranges), false));
      }
      case '^':
      case '$':
        return error("anchors are only supported at the very start and end of the pattern");
      case '*':
      case '+':
      case '?':
        return error("nothing to repeat");
      default:
        ++pos_;
        return emit(CharClass::from_ranges({{c, c}}, false));
    }
  }

  // After a backslash: the ranges the escape stands for.
  Result<std::vector<CodePointRange>> escape(bool in_class) {
    if (pos_ >= end_) return error("the pattern ends with a backslash");
    const char32_t c = cps_[pos_++];
    const auto one = [](char32_t v) { return std::vector<CodePointRange>{{v, v}}; };
    switch (c) {
      case 'd':
        return kDigit;
      case 'D':
        return complement(kDigit);
      case 'w':
        return kWord;
      case 'W':
        return complement(kWord);
      case 's':
        return kSpace;
      case 'S':
        return complement(kSpace);
      case 't':
        return one('\t');
      case 'n':
        return one('\n');
      case 'r':
        return one('\r');
      case 'f':
        return one('\f');
      case 'v':
        return one('\v');
      case '0':
        return one(0);
      case 'b':
        if (in_class) return one('\b');
        return error("word boundaries (\\b) are not supported");
      case 'x':
      case 'u': {
        const std::size_t digits = c == 'x' ? 2 : 4;
        if (pos_ + digits > end_) return error("a short \\" + std::string(1, static_cast<char>(c)) + " escape");
        char32_t v = 0;
        for (std::size_t k = 0; k < digits; ++k) {
          const int h = hex_value(cps_[pos_ + k]);
          if (h < 0) return error("a bad hexadecimal escape");
          v = v * 16 + static_cast<char32_t>(h);
        }
        pos_ += digits;
        if (v >= 0xD800 && v <= 0xDFFF) return error("surrogate escapes are not supported");
        return one(v);
      }
      default:
        break;
    }
    if (c < 0x80 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      return error(fmt::format("the escape \\{} is not supported", static_cast<char>(c)));
    }
    return one(c);  // escaped punctuation (or any other character) stands for itself
  }

  Result<Frag> char_class() {
    ++pos_;  // '['
    const bool negated = at('^');
    if (negated) ++pos_;
    std::vector<CodePointRange> ranges;
    while (!at(']')) {
      if (pos_ >= end_) return error("missing ']'");
      SOVRA_TRY(auto lo, class_atom());
      if (at('-') && pos_ + 1 < end_ && cps_[pos_ + 1] != ']') {
        ++pos_;
        SOVRA_TRY(auto hi, class_atom());
        if (lo.size() != 1 || hi.size() != 1 || lo[0].lo != lo[0].hi || hi[0].lo != hi[0].hi) {
          return error("a range bound is a class");
        }
        if (lo[0].lo > hi[0].lo) return error("a range out of order");
        ranges.push_back({lo[0].lo, hi[0].lo});
      } else {
        ranges.insert(ranges.end(), lo.begin(), lo.end());
      }
    }
    ++pos_;  // ']'
    return emit(CharClass::from_ranges(std::move(ranges), negated));
  }

  Result<std::vector<CodePointRange>> class_atom() {
    const char32_t c = cps_[pos_++];
    if (c == '\\') return escape(true);
    return std::vector<CodePointRange>{{c, c}};
  }

  // The JSON text of one character of `c`: raw where JSON allows it, escaped otherwise.
  Result<Frag> emit(const CharClass& c) {
    if (c.empty()) return error("a class that matches no character");
    std::vector<CodePointRange> raw;
    for (const CodePointRange r : c.ranges()) {
      char32_t lo = std::max<char32_t>(r.lo, 0x20);
      for (const char32_t cut : {U'"', U'\\'}) {
        if (lo <= cut && cut <= r.hi) {
          if (lo < cut) raw.push_back({lo, cut - 1});
          lo = cut + 1;
        }
      }
      if (lo <= r.hi) raw.push_back({lo, r.hi});
    }
    std::vector<Sequence> alts;
    if (!raw.empty()) alts.push_back({cls(raw)});
    if (c.contains('"')) alts.push_back({lit("\\\"")});
    if (c.contains('\\')) alts.push_back({lit("\\\\")});
    for (char32_t cp = 0; cp < 0x20; ++cp) {
      if (!c.contains(cp)) continue;
      switch (cp) {
        case '\b':
          alts.push_back({lit("\\b")});
          break;
        case '\t':
          alts.push_back({lit("\\t")});
          break;
        case '\n':
          alts.push_back({lit("\\n")});
          break;
        case '\f':
          alts.push_back({lit("\\f")});
          break;
        case '\r':
          alts.push_back({lit("\\r")});
          break;
        default:
          alts.push_back({lit(fmt::format("\\u{:04x}", static_cast<std::uint32_t>(cp)))});
      }
    }
    if (alts.size() == 1) return Frag{std::move(alts[0]), false};
    return Frag{{ref(b_.add("pattern-char", std::move(alts)))}, false};
  }

  std::optional<std::uint32_t> number() {
    std::uint64_t v = 0;
    const std::size_t start = pos_;
    while (pos_ < end_ && cps_[pos_] >= '0' && cps_[pos_] <= '9' && pos_ - start < 9) v = v * 10 + (cps_[pos_++] - '0');
    if (pos_ == start) return std::nullopt;
    return static_cast<std::uint32_t>(v);
  }

  Result<Frag> quantified(Frag a) {
    if (pos_ >= end_) return a;
    std::uint32_t min = 0;
    std::uint32_t max = kUnbounded;
    const char32_t c = cps_[pos_];
    if (c == '*') {
      ++pos_;
    } else if (c == '+') {
      ++pos_, min = 1;
    } else if (c == '?') {
      ++pos_, max = 1;
    } else if (c == '{') {
      // {m}, {m,}, {m,n}; anything else is a literal '{' (as in ECMAScript without the u flag).
      const std::size_t save = pos_++;
      const auto lo = number();
      std::optional<std::uint32_t> hi = lo;
      bool ok = lo.has_value();
      if (ok && at(',')) {
        ++pos_;
        hi = at('}') ? std::optional<std::uint32_t>(kUnbounded) : number();
        ok = hi.has_value();
      }
      if (!ok || !at('}')) {
        pos_ = save;
        return a;
      }
      ++pos_;
      min = *lo;
      max = *hi;
      if (min > kMaxRegexRepeat || (max != kUnbounded && max > kMaxRegexRepeat)) {
        return error("repetition bounds above " + std::to_string(kMaxRegexRepeat) + " are not supported");
      }
      if (max < min) return error("a repetition whose maximum is below its minimum");
    } else {
      return a;
    }
    if (at('?')) ++pos_;  // lazy: same language
    if (at('*') || at('+') || at('?')) return error("nothing to repeat");
    // A nullable body repeated without bound would be left-recursive; a bounded count generates a subset.
    if (max == kUnbounded && a.nullable) max = min + kNullableRepeatCap;
    const bool nullable = min == 0 || a.nullable;
    return Frag{{ref(b_.repeat("pattern-repeat", std::move(a.seq), min, max))}, nullable};
  }

  GrammarBuilder& b_;
  JsonTerminals& terms_;
  std::vector<char32_t> cps_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
};

}  // namespace

Result<RuleId> compile_pattern(GrammarBuilder& builder, JsonTerminals& terms, std::string_view pattern) {
  if (pattern.size() > kMaxPatternBytes)
    return Error::invalid("the pattern is longer than " + std::to_string(kMaxPatternBytes) + " bytes");
  std::vector<char32_t> cps;
  if (!decode(pattern, cps)) return Error::invalid("the pattern is not valid UTF-8");
  return RegexCompiler(builder, terms, std::move(cps)).run();
}

}  // namespace sovra::sampling::grammar
