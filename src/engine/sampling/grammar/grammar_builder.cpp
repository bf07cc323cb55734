#include "engine/sampling/grammar/grammar_builder.hpp"

#include <algorithm>
#include <utility>

namespace sovra::sampling::grammar {

namespace {

using Alt = std::vector<Element>;

// Decodes strict UTF-8 (no overlongs, no surrogates); false on invalid input.
bool decode_utf8(std::string_view s, std::vector<char32_t>& out) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    int len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (b0 < 0x80) {
      len = 1, cp = b0;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + static_cast<std::size_t>(len) > s.size()) return false;
    for (int k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > kMaxCodePoint || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    out.push_back(cp);
    i += static_cast<std::size_t>(len);
  }
  return true;
}

struct Lowered {
  std::vector<std::vector<Alt>> rules;
  std::vector<CharClass> classes;
};

class ClassTable {
 public:
  explicit ClassTable(std::vector<CharClass>& classes) : classes_(classes) {}
  std::uint32_t intern(CharClass c) {
    std::vector<std::pair<char32_t, char32_t>> key;
    for (const CodePointRange r : c.ranges()) key.emplace_back(r.lo, r.hi);
    auto [it, inserted] = index_.try_emplace(std::move(key), static_cast<std::uint32_t>(classes_.size()));
    if (inserted) classes_.push_back(std::move(c));
    return it->second;
  }

 private:
  std::vector<CharClass>& classes_;
  std::map<std::vector<std::pair<char32_t, char32_t>>, std::uint32_t> index_;
};

// Rules whose alternatives can derive a finite string (a class must be non-empty), as a fixpoint.
std::vector<bool> productive_rules(const Lowered& g) {
  std::vector<bool> productive(g.rules.size(), false);
  bool changed = true;
  while (changed) {
    changed = false;
    for (std::size_t r = 0; r < g.rules.size(); ++r) {
      if (productive[r]) continue;
      for (const Alt& alt : g.rules[r]) {
        const bool ok = std::all_of(alt.begin(), alt.end(), [&](const Element& e) {
          return e.kind == ElementKind::kRule ? static_cast<bool>(productive[e.arg]) : !g.classes[e.arg].empty();
        });
        if (ok) {
          productive[r] = true;
          changed = true;
          break;
        }
      }
    }
  }
  return productive;
}

std::vector<bool> nullable_rules(const Lowered& g) {
  std::vector<bool> nullable(g.rules.size(), false);
  bool changed = true;
  while (changed) {
    changed = false;
    for (std::size_t r = 0; r < g.rules.size(); ++r) {
      if (nullable[r]) continue;
      for (const Alt& alt : g.rules[r]) {
        const bool ok = std::all_of(alt.begin(), alt.end(),
                                    [&](const Element& e) { return e.kind == ElementKind::kRule && nullable[e.arg]; });
        if (ok) {
          nullable[r] = true;
          changed = true;
          break;
        }
      }
    }
  }
  return nullable;
}

// A rule that can reach itself without consuming input would make the matcher loop: refuse it.
std::optional<std::uint32_t> left_recursive_rule(const Lowered& g) {
  const std::vector<bool> nullable = nullable_rules(g);
  std::vector<std::vector<std::uint32_t>> edges(g.rules.size());
  for (std::size_t r = 0; r < g.rules.size(); ++r) {
    for (const Alt& alt : g.rules[r]) {
      for (const Element& e : alt) {
        if (e.kind != ElementKind::kRule) break;
        edges[r].push_back(e.arg);
        if (!nullable[e.arg]) break;
      }
    }
  }
  // Iterative DFS with colours: 0 new, 1 on the path, 2 done.
  std::vector<std::uint8_t> colour(g.rules.size(), 0);
  std::vector<std::pair<std::uint32_t, std::size_t>> stack;
  for (std::uint32_t start = 0; start < g.rules.size(); ++start) {
    if (colour[start] != 0) continue;
    stack.emplace_back(start, 0);
    colour[start] = 1;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next == edges[node].size()) {
        colour[node] = 2;
        stack.pop_back();
        continue;
      }
      const std::uint32_t to = edges[node][next++];
      if (colour[to] == 1) return to;
      if (colour[to] == 0) {
        colour[to] = 1;
        stack.emplace_back(to, 0);
      }
    }
  }
  return std::nullopt;
}

}  // namespace

Item lit(std::string_view utf8) { return Item{.kind = Item::Kind::kLiteral, .literal = std::string(utf8)}; }

Item cls(std::vector<CodePointRange> ranges, bool negated) {
  return Item{.kind = Item::Kind::kClass, .ranges = std::move(ranges), .negated = negated};
}

Item ref(RuleId rule) { return Item{.kind = Item::Kind::kRule, .rule = rule}; }

RuleId GrammarBuilder::declare(std::string_view name) {
  std::string unique(name);
  auto [it, inserted] = name_uses_.try_emplace(unique, 0);
  if (!inserted) unique += "-" + std::to_string(++it->second);
  rules_.push_back({std::move(unique), std::nullopt});
  return static_cast<RuleId>(rules_.size() - 1);
}

void GrammarBuilder::define(RuleId rule, std::vector<Sequence> alternatives) {
  rules_[rule].alternatives = std::move(alternatives);
}

RuleId GrammarBuilder::add(std::string_view name, std::vector<Sequence> alternatives) {
  const RuleId r = declare(name);
  define(r, std::move(alternatives));
  return r;
}

RuleId GrammarBuilder::as_rule(std::string_view name, Sequence body) {
  if (body.size() == 1 && body[0].kind == Item::Kind::kRule) return body[0].rule;
  return add(name, {std::move(body)});
}

RuleId GrammarBuilder::repeat(std::string_view name, Sequence body, std::uint32_t min, std::uint32_t max,
                              Sequence separator) {
  if (max < min) max = min;
  const std::string base(name);
  if (max == 0) return add(base, {Sequence{}});
  const Item item = ref(as_rule(base + "-item", std::move(body)));
  if (!separator.empty()) {
    Sequence sep_item = std::move(separator);
    sep_item.push_back(item);
    const std::uint32_t rest_max = max == kUnbounded ? kUnbounded : max - 1;
    const RuleId rest = repeat(base + "-rest", std::move(sep_item), min > 0 ? min - 1 : 0, rest_max);
    std::vector<Sequence> alts{{item, ref(rest)}};
    if (min == 0) alts.emplace_back();
    return add(base, std::move(alts));
  }
  // Oversized bounds become a rule that is never defined, which build() reports by name.
  if (min > kMaxBoundedRepeat || (max != kUnbounded && max - min > kMaxBoundedRepeat)) {
    return declare(base + "-repetition-bound-above-" + std::to_string(kMaxBoundedRepeat));
  }
  Sequence seq(min, item);
  if (max == kUnbounded) {
    const RuleId star = declare(base + "-star");
    define(star, {{item, ref(star)}, {}});
    seq.push_back(ref(star));
  } else if (max > min) {
    RuleId opt = add(base + "-opt", {{item}, {}});
    for (std::uint32_t k = 1; k < max - min; ++k) opt = add(base + "-opt", {{item, ref(opt)}, {}});
    seq.push_back(ref(opt));
  }
  return add(base, {std::move(seq)});
}

Result<Grammar> GrammarBuilder::build(RuleId root) && {
  if (root >= rules_.size()) return Error::invalid("grammar root rule does not exist");
  Lowered g;
  g.rules.resize(rules_.size());
  ClassTable classes(g.classes);
  std::size_t total = 0;
  std::vector<char32_t> cps;
  for (std::size_t r = 0; r < rules_.size(); ++r) {
    if (!rules_[r].alternatives) return Error::invalid("grammar rule '" + rules_[r].name + "' is never defined");
    for (const Sequence& seq : *rules_[r].alternatives) {
      Alt alt;
      for (const Item& item : seq) {
        switch (item.kind) {
          case Item::Kind::kRule:
            if (item.rule >= rules_.size())
              return Error::invalid("grammar rule '" + rules_[r].name + "' refers to no rule");
            alt.push_back({ElementKind::kRule, item.rule});
            break;
          case Item::Kind::kClass:
            alt.push_back({ElementKind::kClass, classes.intern(CharClass::from_ranges(item.ranges, item.negated))});
            break;
          case Item::Kind::kLiteral:
            cps.clear();
            if (!decode_utf8(item.literal, cps)) {
              return Error::invalid("grammar rule '" + rules_[r].name + "' has a literal that is not valid UTF-8");
            }
            for (const char32_t cp : cps) {
              alt.push_back({ElementKind::kClass, classes.intern(CharClass::from_ranges({{cp, cp}}, false))});
            }
            break;
        }
      }
      total += alt.size() + 1;
      if (total > kMaxElements)
        return Error::invalid("grammar is too large (over " + std::to_string(kMaxElements) + " elements)");
      g.rules[r].push_back(std::move(alt));
    }
  }

  const std::vector<bool> productive = productive_rules(g);
  if (!productive[root]) {
    return Error::invalid("grammar rule '" + rules_[root].name + "' can never finish (it derives no finite string)");
  }
  for (auto& alts : g.rules) {
    std::erase_if(alts, [&](const Alt& alt) {
      return std::any_of(alt.begin(), alt.end(), [&](const Element& e) {
        return e.kind == ElementKind::kRule ? !productive[e.arg] : g.classes[e.arg].empty();
      });
    });
  }
  if (auto rule = left_recursive_rule(g)) {
    return Error::invalid("grammar rule '" + rules_[*rule].name + "' is left-recursive");
  }

  Grammar out;
  out.root_ = root;
  out.classes_ = std::move(g.classes);
  out.elements_.reserve(total);
  for (std::size_t r = 0; r < g.rules.size(); ++r) {
    const auto begin = static_cast<std::uint32_t>(out.alt_starts_.size());
    for (const Alt& alt : g.rules[r]) {
      out.alt_starts_.push_back(static_cast<std::uint32_t>(out.elements_.size()));
      out.elements_.insert(out.elements_.end(), alt.begin(), alt.end());
      out.elements_.push_back({ElementKind::kEnd, 0});
    }
    out.rule_alts_.emplace_back(begin, static_cast<std::uint32_t>(out.alt_starts_.size()));
    out.names_.push_back(std::move(rules_[r].name));
  }
  return out;
}

}  // namespace sovra::sampling::grammar
