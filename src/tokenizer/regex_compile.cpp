// Regex::compile: a recursive-descent parser from pattern text to a syntax tree, then code generation for the
// backtracking machine in regex.cpp.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/regex.hpp"

namespace sovra::tokenizer {

namespace {

struct Node {
  enum class Kind { kClass, kConcat, kAlt, kRepeat, kPeek, kNotPeek, kLineBegin, kLineEnd };
  Kind kind = Kind::kConcat;
  std::uint32_t cls = 0;
  int min = 0;
  int max = -1;  // -1: unbounded
  std::vector<Node> kids;
};

constexpr int kMaxRepeat = 1000;

}  // namespace

class RegexCompiler {
 public:
  explicit RegexCompiler(std::string_view pattern) : pattern_(pattern) {
    for (std::size_t at = 0; at < pattern.size();) {
      const unicode::Decoded d = unicode::next_code_point(pattern, at);
      cps_.push_back(d.cp);
      at += d.length;
    }
  }

  Result<Regex> run() {
    SOVRA_TRY(Node root, parse_alt(false));
    if (pos_ != cps_.size()) return error("unbalanced ')'");
    emit(root);
    regex_.program_.push_back({Regex::Op::kMatch, 0, 0});
    for (Regex::CharClass& c : regex_.classes_) {
      for (char32_t cp = 0; cp < 128; ++cp) {
        if (c.contains_slow(cp)) c.ascii[cp >> 6] |= std::uint64_t{1} << (cp & 63);
      }
    }
    return std::move(regex_);
  }

 private:
  Error error(const std::string& what) const {
    return Error::invalid("regex '" + std::string(pattern_) + "' at " + std::to_string(pos_) + ": " + what);
  }
  bool done() const { return pos_ >= cps_.size(); }
  char32_t peek() const { return cps_[pos_]; }

  std::uint32_t add_class(Regex::CharClass c) {
    regex_.classes_.push_back(std::move(c));
    return static_cast<std::uint32_t>(regex_.classes_.size() - 1);
  }
  Node class_node(Regex::CharClass c) { return Node{.kind = Node::Kind::kClass, .cls = add_class(std::move(c))}; }

  Regex::CharClass literal(char32_t cp) const {
    Regex::CharClass c;
    c.ranges.emplace_back(cp, cp);
    if (ignore_case_ && cp < 128 && ((cp | 32) >= 'a' && (cp | 32) <= 'z')) c.ranges.emplace_back(cp ^ 32, cp ^ 32);
    return c;
  }

  Result<Node> parse_alt(bool in_group) {
    Node alt{.kind = Node::Kind::kAlt};
    for (;;) {
      Node seq{.kind = Node::Kind::kConcat};
      while (!done() && peek() != '|' && peek() != ')') {
        SOVRA_TRY(Node item, parse_repeat());
        seq.kids.push_back(std::move(item));
      }
      alt.kids.push_back(seq.kids.size() == 1 ? std::move(seq.kids.front()) : std::move(seq));
      if (done() || peek() == ')') break;
      ++pos_;  // '|'
    }
    if (in_group) {
      if (done()) return error("missing ')'");
      ++pos_;
    }
    return alt.kids.size() == 1 ? std::move(alt.kids.front()) : std::move(alt);
  }

  Result<int> parse_number() {
    int n = 0;
    bool any = false;
    while (!done() && peek() >= '0' && peek() <= '9') {
      n = n * 10 + static_cast<int>(peek() - '0');
      if (n > kMaxRepeat) return error("repeat count over " + std::to_string(kMaxRepeat));
      ++pos_;
      any = true;
    }
    if (!any) return error("expected a number");
    return n;
  }

  Result<Node> parse_repeat() {
    SOVRA_TRY(Node atom, parse_atom());
    while (!done()) {
      int min = 0;
      int max = -1;
      const char32_t c = peek();
      if (c == '*') {
        ++pos_;
      } else if (c == '+') {
        min = 1, ++pos_;
      } else if (c == '?') {
        max = 1, ++pos_;
      } else if (c == '{') {
        ++pos_;
        SOVRA_TRY(min, parse_number());
        max = min;
        if (!done() && peek() == ',') {
          ++pos_;
          max = -1;
          if (!done() && peek() != '}') {
            SOVRA_TRY(max, parse_number());
          }
        }
        if (done() || peek() != '}') return error("expected '}'");
        ++pos_;
        if (max != -1 && max < min) return error("bad repeat range");
      } else {
        break;
      }
      if (!done() && (peek() == '?' || peek() == '+'))
        return error("lazy and possessive quantifiers are not supported");
      if (atom.kind == Node::Kind::kPeek || atom.kind == Node::Kind::kNotPeek) return error("repeated lookahead");
      Node rep{.kind = Node::Kind::kRepeat, .min = min, .max = max};
      rep.kids.push_back(std::move(atom));
      atom = std::move(rep);
    }
    return atom;
  }

  Result<Node> parse_group() {
    ++pos_;  // '('
    if (done() || peek() != '?') return parse_alt(true);
    ++pos_;
    if (done()) return error("bad group");
    const char32_t kind = peek();
    if (kind == ':') {
      ++pos_;
      return parse_alt(true);
    }
    if (kind == 'i' && pos_ + 1 < cps_.size() && cps_[pos_ + 1] == ':') {
      pos_ += 2;
      const bool saved = ignore_case_;
      ignore_case_ = true;
      Result<Node> inner = parse_alt(true);
      ignore_case_ = saved;
      return inner;
    }
    if (kind == '=' || kind == '!') {
      ++pos_;
      SOVRA_TRY(Node inner, parse_alt(true));
      if (inner.kind != Node::Kind::kClass) return error("lookahead must hold one character or class");
      inner.kind = kind == '=' ? Node::Kind::kPeek : Node::Kind::kNotPeek;
      return inner;
    }
    return error("unsupported group kind");
  }

  // After a backslash (outside or inside a class): a class escape, or a literal character in `literal_out`.
  Result<bool> parse_escape(Regex::CharClass& into, char32_t& literal_out) {
    if (done()) return error("trailing backslash");
    const char32_t c = cps_[pos_++];
    switch (c) {
      case 's':
        into.space = true;
        return true;
      case 'S':
        into.not_space = true;
        return true;
      case 'd':
        into.ranges.emplace_back('0', '9');
        return true;
      case 'w':
        into.categories |= unicode::mask_of("L") | unicode::mask_of("N") | unicode::mask_of(unicode::Category::kPc);
        return true;
      case 'p':
      case 'P': {
        std::string name;
        if (!done() && peek() == '{') {
          ++pos_;
          while (!done() && peek() != '}') name += static_cast<char>(cps_[pos_++]);
          if (done()) return error("missing '}'");
          ++pos_;
        } else if (!done()) {
          name += static_cast<char>(cps_[pos_++]);
        }
        const unicode::CategoryMask mask = unicode::mask_of(name);
        if (mask == 0) return error("unknown Unicode category '" + name + "'");
        (c == 'p' ? into.categories : into.not_categories) |= mask;
        return true;
      }
      case 'x': {
        if (done() || peek() != '{') return error("expected '{' after \\x");
        ++pos_;
        char32_t value = 0;
        int digits = 0;
        for (; !done() && peek() != '}'; ++pos_, ++digits) {
          const char32_t h = peek();
          const int d = (h >= '0' && h <= '9')   ? static_cast<int>(h - '0')
                        : (h >= 'a' && h <= 'f') ? static_cast<int>(h - 'a' + 10)
                        : (h >= 'A' && h <= 'F') ? static_cast<int>(h - 'A' + 10)
                                                 : -1;
          if (d < 0 || digits >= 6) return error("bad \\x{...} escape");
          value = value * 16 + static_cast<char32_t>(d);
        }
        if (done() || digits == 0 || value > 0x10FFFF) return error("bad \\x{...} escape");
        ++pos_;
        literal_out = value;
        return false;
      }
      case 'n':
        literal_out = '\n';
        return false;
      case 'r':
        literal_out = '\r';
        return false;
      case 't':
        literal_out = '\t';
        return false;
      case 'f':
        literal_out = '\f';
        return false;
      case 'v':
        literal_out = '\v';
        return false;
      default:
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
          return error("unsupported escape");
        }
        literal_out = c;
        return false;
    }
  }

  Result<Node> parse_class() {
    ++pos_;  // '['
    Regex::CharClass c;
    if (!done() && peek() == '^') c.negated = true, ++pos_;
    bool first = true;
    while (!done() && (peek() != ']' || first)) {
      first = false;
      char32_t lo = cps_[pos_++];
      if (lo == '\\') {
        SOVRA_TRY(const bool is_class, parse_escape(c, lo));
        if (is_class) continue;
      }
      char32_t hi = lo;
      if (pos_ + 1 < cps_.size() && peek() == '-' && cps_[pos_ + 1] != ']') {
        ++pos_;
        hi = cps_[pos_++];
        if (hi == '\\') {
          Regex::CharClass unused;
          SOVRA_TRY(const bool is_class, parse_escape(unused, hi));
          if (is_class) return error("class escape as a range end");
        }
        if (hi < lo) return error("bad class range");
      }
      c.ranges.emplace_back(lo, hi);
      if (ignore_case_) {
        for (char32_t x = lo; x <= hi && x < 128; ++x) {
          if ((x | 32) >= 'a' && (x | 32) <= 'z') c.ranges.emplace_back(x ^ 32, x ^ 32);
        }
      }
    }
    if (done()) return error("missing ']'");
    ++pos_;
    return class_node(std::move(c));
  }

  Result<Node> parse_atom() {
    const char32_t c = cps_[pos_];
    switch (c) {
      case '(':
        return parse_group();
      case '[':
        return parse_class();
      case '*':
      case '+':
      case '?':
      case '{':
        return error("nothing to repeat");
      case '.': {
        ++pos_;
        Regex::CharClass any;
        any.negated = true;
        any.ranges.emplace_back('\n', '\n');
        return class_node(std::move(any));
      }
      case '^':
        ++pos_;
        return Node{.kind = Node::Kind::kLineBegin};
      case '$':
        ++pos_;
        return Node{.kind = Node::Kind::kLineEnd};
      case '\\': {
        ++pos_;
        Regex::CharClass esc;
        char32_t lit = 0;
        SOVRA_TRY(const bool is_class, parse_escape(esc, lit));
        return class_node(is_class ? std::move(esc) : literal(lit));
      }
      default:
        ++pos_;
        return class_node(literal(c));
    }
  }

  std::uint32_t here() const { return static_cast<std::uint32_t>(regex_.program_.size()); }
  std::uint32_t push(Regex::Op op, std::uint32_t x = 0, std::uint32_t y = 0) {
    regex_.program_.push_back({op, x, y});
    return here() - 1;
  }

  void emit(const Node& n) {
    using Op = Regex::Op;
    switch (n.kind) {
      case Node::Kind::kClass:
        push(Op::kClass, n.cls);
        return;
      case Node::Kind::kPeek:
        push(Op::kPeek, n.cls);
        return;
      case Node::Kind::kNotPeek:
        push(Op::kNotPeek, n.cls);
        return;
      case Node::Kind::kLineBegin:
        push(Op::kLineBegin);
        return;
      case Node::Kind::kLineEnd:
        push(Op::kLineEnd);
        return;
      case Node::Kind::kConcat:
        for (const Node& k : n.kids) emit(k);
        return;
      case Node::Kind::kAlt: {
        std::vector<std::uint32_t> jumps;
        for (std::size_t i = 0; i < n.kids.size(); ++i) {
          const bool last = i + 1 == n.kids.size();
          const std::uint32_t split = last ? 0 : push(Op::kSplit);
          if (!last) regex_.program_[split].x = here();
          emit(n.kids[i]);
          if (!last) {
            jumps.push_back(push(Op::kJump));
            regex_.program_[split].y = here();
          }
        }
        for (const std::uint32_t j : jumps) regex_.program_[j].x = here();
        return;
      }
      case Node::Kind::kRepeat: {
        const Node& body = n.kids.front();
        for (int i = 0; i < n.min; ++i) emit(body);
        if (n.max == -1) {
          const std::uint32_t split = push(Op::kSplit, here() + 1);
          emit(body);
          push(Op::kJump, split);
          regex_.program_[split].y = here();
          return;
        }
        std::vector<std::uint32_t> splits;
        for (int i = n.min; i < n.max; ++i) {
          splits.push_back(push(Op::kSplit, here() + 1));
          emit(body);
        }
        for (const std::uint32_t s : splits) regex_.program_[s].y = here();
        return;
      }
    }
  }

  std::string_view pattern_;
  std::vector<char32_t> cps_;
  std::size_t pos_ = 0;
  bool ignore_case_ = false;
  Regex regex_;
};

Result<Regex> Regex::compile(std::string_view pattern) { return RegexCompiler(pattern).run(); }

}  // namespace sovra::tokenizer
