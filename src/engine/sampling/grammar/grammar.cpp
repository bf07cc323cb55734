#include "engine/sampling/grammar/grammar.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sovra::sampling::grammar {

namespace {

constexpr char32_t kSurrogateLo = 0xD800;
constexpr char32_t kSurrogateHi = 0xDFFF;

std::vector<CodePointRange> normalise(std::vector<CodePointRange> in) {
  std::vector<CodePointRange> out;
  for (CodePointRange r : in) {
    if (r.lo > r.hi || r.lo > kMaxCodePoint) continue;
    r.hi = std::min(r.hi, kMaxCodePoint);
    out.push_back(r);
  }
  std::sort(out.begin(), out.end(), [](CodePointRange a, CodePointRange b) { return a.lo < b.lo; });
  std::vector<CodePointRange> merged;
  for (const CodePointRange r : out) {
    if (!merged.empty() && r.lo <= merged.back().hi + 1) {
      merged.back().hi = std::max(merged.back().hi, r.hi);
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

std::vector<CodePointRange> complement(const std::vector<CodePointRange>& in) {
  std::vector<CodePointRange> out;
  char32_t next = 0;
  for (const CodePointRange r : in) {
    if (r.lo > next) out.push_back({next, r.lo - 1});
    next = r.hi + 1;
  }
  if (next <= kMaxCodePoint) out.push_back({next, kMaxCodePoint});
  return out;
}

std::vector<CodePointRange> without_surrogates(const std::vector<CodePointRange>& in) {
  std::vector<CodePointRange> out;
  for (const CodePointRange r : in) {
    if (r.hi < kSurrogateLo || r.lo > kSurrogateHi) {
      out.push_back(r);
      continue;
    }
    if (r.lo < kSurrogateLo) out.push_back({r.lo, kSurrogateLo - 1});
    if (r.hi > kSurrogateHi) out.push_back({kSurrogateHi + 1, r.hi});
  }
  return out;
}

void append_code_point(std::string& out, char32_t cp) {
  if (cp == '"' || cp == '\\' || cp == ']' || cp == '[' || cp == '-' || cp == '^') {
    out += '\\';
    out += static_cast<char>(cp);
  } else if (cp >= 0x20 && cp < 0x7F) {
    out += static_cast<char>(cp);
  } else {
    out += fmt::format("\\u{{{:X}}}", static_cast<std::uint32_t>(cp));
  }
}

}  // namespace

CharClass CharClass::from_ranges(std::vector<CodePointRange> ranges, bool negated) {
  CharClass c;
  std::vector<CodePointRange> r = normalise(std::move(ranges));
  if (negated) r = complement(r);
  c.ranges_ = without_surrogates(r);
  for (const CodePointRange x : c.ranges_) {
    for (char32_t cp = x.lo; cp <= x.hi && cp < 128; ++cp) c.ascii_[cp >> 6] |= std::uint64_t{1} << (cp & 63);
  }
  return c;
}

bool CharClass::contains(char32_t cp) const {
  if (cp < 128) return (ascii_[cp >> 6] >> (cp & 63)) & 1;
  return intersects(cp, cp);
}

bool CharClass::intersects(char32_t lo, char32_t hi) const {
  // The first range that ends at or after lo.
  auto it = std::lower_bound(ranges_.begin(), ranges_.end(), lo, [](CodePointRange r, char32_t v) { return r.hi < v; });
  return it != ranges_.end() && it->lo <= hi;
}

bool CharClass::operator==(const CharClass& other) const {
  return ranges_.size() == other.ranges_.size() &&
         std::equal(ranges_.begin(), ranges_.end(), other.ranges_.begin(),
                    [](CodePointRange a, CodePointRange b) { return a.lo == b.lo && a.hi == b.hi; });
}

std::string Grammar::to_text() const {
  std::string out;
  for (RuleId r = 0; r < rule_count(); ++r) {
    out += names_[r];
    out += " ::=";
    bool first_alt = true;
    for (const std::uint32_t start : alternatives(r)) {
      out += first_alt ? " " : " | ";
      first_alt = false;
      bool empty = true;
      for (std::uint32_t pos = start; elements_[pos].kind != ElementKind::kEnd; ++pos) {
        if (!empty) out += ' ';
        empty = false;
        const Element& e = elements_[pos];
        if (e.kind == ElementKind::kRule) {
          out += names_[e.arg];
          continue;
        }
        const auto& ranges = classes_[e.arg].ranges();
        if (ranges.size() == 1 && ranges[0].lo == ranges[0].hi) {
          out += '"';
          append_code_point(out, ranges[0].lo);
          out += '"';
          continue;
        }
        out += '[';
        for (const CodePointRange x : ranges) {
          append_code_point(out, x.lo);
          if (x.hi != x.lo) {
            out += '-';
            append_code_point(out, x.hi);
          }
        }
        out += ']';
      }
      if (empty) out += "\"\"";
    }
    out += '\n';
  }
  return out;
}

}  // namespace sovra::sampling::grammar
