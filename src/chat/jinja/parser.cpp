#include "chat/jinja/parser.hpp"

#include <charconv>
#include <cstdlib>
#include <initializer_list>

#include "chat/jinja/error.hpp"
#include "chat/jinja/lexer.hpp"

namespace sovra::chat::jinja {
namespace {

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Body parse_all() {
    std::string end;
    Body body = parse_body({}, end);
    return body;
  }

 private:
  // ---- token helpers
  const Token& cur() const { return t_[i_]; }
  const Token& peek(std::size_t k = 1) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  void advance() {
    if (i_ + 1 < t_.size()) ++i_;
  }
  bool is_op(std::string_view op) const { return cur().type == TokenType::kOp && cur().text == op; }
  bool is_name(std::string_view n) const { return cur().type == TokenType::kName && cur().text == n; }
  [[noreturn]] void fail(const std::string& msg) const { throw JinjaError(ErrorKind::kSyntax, msg, cur().line); }
  std::string describe() const {
    switch (cur().type) {
      case TokenType::kEof: return "end of template";
      case TokenType::kVarEnd: return "end of print statement";
      case TokenType::kBlockEnd: return "end of statement block";
      default: return "'" + cur().text + "'";
    }
  }
  void expect_op(std::string_view op) {
    if (!is_op(op)) fail("expected '" + std::string(op) + "', got " + describe());
    advance();
  }
  std::string expect_name() {
    if (cur().type != TokenType::kName) fail("expected a name, got " + describe());
    std::string n = cur().text;
    advance();
    return n;
  }
  void expect_block_end() {
    if (cur().type != TokenType::kBlockEnd) fail("expected end of statement block, got " + describe());
    advance();
  }

  struct DepthGuard {
    explicit DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxParseDepth) p_.fail("template nested too deeply");
    }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };

  ExprPtr node(ExprKind kind, int line) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = line;
    return e;
  }

  // ---- statements
  // Parses until one of `ends` (a block tag name) is found; leaves the parser after that tag's name.
  Body parse_body(std::initializer_list<std::string_view> ends, std::string& found) {
    DepthGuard guard(*this);
    Body body;
    while (true) {
      const Token& tok = cur();
      if (tok.type == TokenType::kEof) {
        if (ends.size() != 0) fail("unexpected end of template, expected '" + std::string(*ends.begin()) + "'");
        return body;
      }
      if (tok.type == TokenType::kText) {
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::kText;
        s->line = tok.line;
        s->text = tok.text;
        body.push_back(std::move(s));
        advance();
      } else if (tok.type == TokenType::kVarBegin) {
        advance();
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::kOutput;
        s->line = tok.line;
        s->expr = parse_tuple(true);
        if (cur().type != TokenType::kVarEnd) fail("expected end of print statement, got " + describe());
        advance();
        body.push_back(std::move(s));
      } else if (tok.type == TokenType::kBlockBegin) {
        advance();
        if (cur().type != TokenType::kName) fail("expected a statement name, got " + describe());
        const std::string name = cur().text;
        for (auto e : ends) {
          if (name == e) {
            advance();
            found = name;
            return body;
          }
        }
        body.push_back(parse_statement());
      } else {
        fail("unexpected " + describe());
      }
    }
  }

  StmtPtr parse_statement() {
    const int line = cur().line;
    const std::string name = cur().text;
    advance();
    auto s = std::make_unique<Stmt>();
    s->line = line;
    std::string end;
    if (name == "if") {
      s->kind = StmtKind::kIf;
      s->conditions.push_back(parse_expression(true));
      expect_block_end();
      while (true) {
        s->bodies.push_back(parse_body({"elif", "else", "endif"}, end));
        if (end == "elif") {
          s->conditions.push_back(parse_expression(true));
          expect_block_end();
          continue;
        }
        if (end == "else") {
          expect_block_end();
          s->else_body = parse_body({"endif"}, end);
        }
        break;
      }
      expect_block_end();
    } else if (name == "for") {
      s->kind = StmtKind::kFor;
      parse_targets(s->targets);
      if (!is_name("in")) fail("expected 'in', got " + describe());
      advance();
      s->expr = parse_tuple(false);
      if (is_name("if")) {
        advance();
        s->cond = parse_expression(true);
      }
      if (is_name("recursive")) fail("recursive loops are not supported");
      expect_block_end();
      s->body = parse_body({"else", "endfor"}, end);
      if (end == "else") {
        expect_block_end();
        s->else_body = parse_body({"endfor"}, end);
      }
      expect_block_end();
    } else if (name == "set") {
      parse_set(*s);
    } else if (name == "macro") {
      s->kind = StmtKind::kMacro;
      s->text = expect_name();
      parse_params(*s);
      expect_block_end();
      s->body = parse_body({"endmacro"}, end);
      if (cur().type == TokenType::kName) advance();  // {% endmacro name %}
      expect_block_end();
    } else if (name == "call") {
      s->kind = StmtKind::kCallBlock;
      if (is_op("(")) parse_params(*s);
      s->expr = parse_expression(true);
      if (s->expr->kind != ExprKind::kCall) fail("expected a call after 'call'");
      expect_block_end();
      s->body = parse_body({"endcall"}, end);
      expect_block_end();
    } else if (name == "filter") {
      s->kind = StmtKind::kFilterBlock;
      s->expr = parse_filter_chain(nullptr, false);
      expect_block_end();
      s->body = parse_body({"endfilter"}, end);
      expect_block_end();
    } else if (name == "break" || name == "continue") {
      s->kind = name == "break" ? StmtKind::kBreak : StmtKind::kContinue;
      expect_block_end();
    } else if (name == "do") {
      s->kind = StmtKind::kDo;
      s->expr = parse_tuple(true);
      expect_block_end();
    } else if (name == "generation") {
      s->kind = StmtKind::kBlock;
      expect_block_end();
      s->body = parse_body({"endgeneration"}, end);
      expect_block_end();
    } else {
      i_ -= 1;
      fail("Encountered unknown tag '" + name + "'.");
    }
    return s;
  }

  void parse_targets(std::vector<std::string>& targets) {
    const bool paren = is_op("(");
    if (paren) advance();
    targets.push_back(expect_name());
    while (is_op(",")) {
      advance();
      if (cur().type != TokenType::kName) break;
      targets.push_back(expect_name());
    }
    if (paren) expect_op(")");
  }

  void parse_set(Stmt& s) {
    s.kind = StmtKind::kSet;
    parse_targets(s.targets);
    if (s.targets.size() == 1 && is_op(".")) {
      advance();
      s.attr = expect_name();
    }
    if (is_op("=")) {
      advance();
      s.expr = parse_tuple(true);
      expect_block_end();
      return;
    }
    if (s.targets.size() != 1 || !s.attr.empty()) fail("expected '=' in set");
    s.kind = StmtKind::kSetBlock;
    if (is_op("|")) s.expr = parse_filter_chain(nullptr, true);
    expect_block_end();
    std::string end;
    s.body = parse_body({"endset"}, end);
    expect_block_end();
  }

  void parse_params(Stmt& s) {
    expect_op("(");
    while (!is_op(")")) {
      s.targets.push_back(expect_name());
      if (is_op("=")) {
        advance();
        s.defaults.push_back(parse_expression(true));
      } else {
        s.defaults.push_back(nullptr);
      }
      if (!is_op(",")) break;
      advance();
    }
    expect_op(")");
  }

  // ---- expressions
  ExprPtr parse_tuple(bool with_condexpr) {
    const int line = cur().line;
    ExprPtr first = parse_expression(with_condexpr);
    if (!is_op(",")) return first;
    auto list = node(ExprKind::kList, line);
    list->name = "tuple";
    list->args.push_back(std::move(first));
    while (is_op(",")) {
      advance();
      if (cur().type == TokenType::kVarEnd || cur().type == TokenType::kBlockEnd || is_op(")")) break;
      list->args.push_back(parse_expression(with_condexpr));
    }
    return list;
  }

  ExprPtr parse_expression(bool with_condexpr) {
    DepthGuard guard(*this);
    ExprPtr e = parse_or();
    if (!with_condexpr) return e;
    while (is_name("if")) {
      const int line = cur().line;
      advance();
      auto c = node(ExprKind::kCondition, line);
      c->args.push_back(parse_or());
      c->args.push_back(std::move(e));
      if (is_name("else")) {
        advance();
        c->args.push_back(parse_expression(true));
      } else {
        c->args.push_back(nullptr);
      }
      e = std::move(c);
    }
    return e;
  }

  ExprPtr binary(ExprKind kind, std::string op, ExprPtr a, ExprPtr b, int line) {
    auto e = node(kind, line);
    e->name = std::move(op);
    e->args.push_back(std::move(a));
    e->args.push_back(std::move(b));
    return e;
  }

  ExprPtr parse_or() {
    ExprPtr e = parse_and();
    while (is_name("or")) {
      const int line = cur().line;
      advance();
      e = binary(ExprKind::kOr, "or", std::move(e), parse_and(), line);
    }
    return e;
  }
  ExprPtr parse_and() {
    ExprPtr e = parse_not();
    while (is_name("and")) {
      const int line = cur().line;
      advance();
      e = binary(ExprKind::kAnd, "and", std::move(e), parse_not(), line);
    }
    return e;
  }
  ExprPtr parse_not() {
    if (is_name("not")) {
      DepthGuard guard(*this);
      auto e = node(ExprKind::kUnary, cur().line);
      advance();
      e->name = "not";
      e->args.push_back(parse_not());
      return e;
    }
    return parse_compare();
  }
  ExprPtr parse_compare() {
    ExprPtr e = parse_math1();
    ExprPtr chain;  // `a < b < c`: kCompare with operands in args and operators in ops
    while (true) {
      const int line = cur().line;
      std::string op;
      if (cur().type == TokenType::kOp &&
          (cur().text == "==" || cur().text == "!=" || cur().text == "<" || cur().text == "<=" ||
           cur().text == ">" || cur().text == ">=")) {
        op = cur().text;
        advance();
      } else if (is_name("in")) {
        op = "in";
        advance();
      } else if (is_name("not") && peek().type == TokenType::kName && peek().text == "in") {
        op = "not in";
        advance();
        advance();
      } else {
        break;
      }
      if (!chain) {
        chain = node(ExprKind::kCompare, line);
        chain->args.push_back(std::move(e));
      }
      chain->ops.push_back(op);
      chain->args.push_back(parse_math1());
    }
    if (!chain) return e;
    if (chain->ops.size() == 1) return binary(ExprKind::kBinary, chain->ops[0], std::move(chain->args[0]), std::move(chain->args[1]), chain->line);
    return chain;
  }
  ExprPtr parse_math1() {
    ExprPtr e = parse_concat();
    while (is_op("+") || is_op("-")) {
      const int line = cur().line;
      std::string op = cur().text;
      advance();
      e = binary(ExprKind::kBinary, op, std::move(e), parse_concat(), line);
    }
    return e;
  }
  ExprPtr parse_concat() {
    ExprPtr e = parse_math2();
    while (is_op("~")) {
      const int line = cur().line;
      advance();
      e = binary(ExprKind::kBinary, "~", std::move(e), parse_math2(), line);
    }
    return e;
  }
  ExprPtr parse_math2() {
    ExprPtr e = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const int line = cur().line;
      std::string op = cur().text;
      advance();
      e = binary(ExprKind::kBinary, op, std::move(e), parse_pow(), line);
    }
    return e;
  }
  ExprPtr parse_pow() {
    ExprPtr e = parse_unary(true);
    while (is_op("**")) {
      const int line = cur().line;
      advance();
      e = binary(ExprKind::kBinary, "**", std::move(e), parse_unary(true), line);
    }
    return e;
  }
  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this);
    ExprPtr e;
    if (is_op("-") || is_op("+")) {
      e = node(ExprKind::kUnary, cur().line);
      e->name = cur().text;
      advance();
      e->args.push_back(parse_unary(false));
    } else {
      e = parse_primary();
    }
    e = parse_postfix(std::move(e));
    if (with_filter) e = parse_filter_expr(std::move(e));
    return e;
  }

  ExprPtr parse_primary() {
    const Token& tok = cur();
    const int line = tok.line;
    if (tok.type == TokenType::kName) {
      auto e = node(ExprKind::kLiteral, line);
      const std::string& n = tok.text;
      if (n == "true" || n == "True") e->literal = Value(true);
      else if (n == "false" || n == "False") e->literal = Value(false);
      else if (n == "none" || n == "None") e->literal = Value(None{});
      else {
        e->kind = ExprKind::kName;
        e->name = n;
      }
      advance();
      return e;
    }
    if (tok.type == TokenType::kString) {
      std::string s = tok.text;
      advance();
      while (cur().type == TokenType::kString) {  // adjacent literals concatenate
        s += cur().text;
        advance();
      }
      auto e = node(ExprKind::kLiteral, line);
      e->literal = Value(std::move(s));
      return e;
    }
    if (tok.type == TokenType::kInt) {
      auto e = node(ExprKind::kLiteral, line);
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(tok.text.data(), tok.text.data() + tok.text.size(), v);
      if (ec != std::errc()) {
        e->literal = Value(std::strtod(tok.text.c_str(), nullptr));
      } else {
        e->literal = Value(v);
      }
      advance();
      return e;
    }
    if (tok.type == TokenType::kFloat) {
      auto e = node(ExprKind::kLiteral, line);
      e->literal = Value(std::strtod(tok.text.c_str(), nullptr));
      advance();
      return e;
    }
    if (is_op("(")) {
      advance();
      if (is_op(")")) {
        advance();
        auto empty = node(ExprKind::kList, line);
        empty->name = "tuple";
        return empty;
      }
      ExprPtr e = parse_tuple(true);
      expect_op(")");
      return e;
    }
    if (is_op("[")) {
      advance();
      auto e = node(ExprKind::kList, line);
      while (!is_op("]")) {
        e->args.push_back(parse_expression(true));
        if (!is_op(",")) break;
        advance();
      }
      expect_op("]");
      return e;
    }
    if (is_op("{")) {
      advance();
      auto e = node(ExprKind::kDict, line);
      while (!is_op("}")) {
        e->args.push_back(parse_expression(true));
        expect_op(":");
        e->args.push_back(parse_expression(true));
        if (!is_op(",")) break;
        advance();
      }
      expect_op("}");
      return e;
    }
    fail("unexpected " + describe());
  }

  ExprPtr parse_postfix(ExprPtr e) {
    while (true) {
      const int line = cur().line;
      if (is_op(".")) {
        advance();
        if (cur().type == TokenType::kInt) {
          auto item = node(ExprKind::kItem, line);
          item->args.push_back(std::move(e));
          auto idx = node(ExprKind::kLiteral, line);
          idx->literal = Value(static_cast<std::int64_t>(std::strtoll(cur().text.c_str(), nullptr, 10)));
          item->args.push_back(std::move(idx));
          advance();
          e = std::move(item);
          continue;
        }
        auto attr = node(ExprKind::kAttr, line);
        attr->name = expect_name();
        attr->args.push_back(std::move(e));
        e = std::move(attr);
      } else if (is_op("[")) {
        advance();
        e = parse_subscript(std::move(e), line);
      } else if (is_op("(")) {
        e = parse_call(std::move(e));
      } else {
        return e;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr target, int line) {
    ExprPtr parts[3];
    bool is_slice = false;
    int part = 0;
    while (true) {
      if (is_op(":")) {
        is_slice = true;
        if (++part > 2) fail("too many ':' in slice");
        advance();
        continue;
      }
      if (is_op("]")) break;
      if (parts[part]) fail("expected ']' or ':', got " + describe());
      parts[part] = parse_expression(true);
    }
    expect_op("]");
    if (!is_slice) {
      if (!parts[0]) fail("empty subscript");
      auto e = node(ExprKind::kItem, line);
      e->args.push_back(std::move(target));
      e->args.push_back(std::move(parts[0]));
      return e;
    }
    auto e = node(ExprKind::kSlice, line);
    e->args.push_back(std::move(target));
    for (auto& p : parts) e->args.push_back(std::move(p));
    return e;
  }

  // Parses `(args, name=value)` into e->args (after slot 0) and e->kwargs.
  void parse_args(Expr& e) {
    expect_op("(");
    while (!is_op(")")) {
      if (cur().type == TokenType::kName && peek().type == TokenType::kOp && peek().text == "=") {
        std::string key = cur().text;
        advance();
        advance();
        e.kwargs.emplace_back(std::move(key), parse_expression(true));
      } else {
        if (!e.kwargs.empty()) fail("positional argument after keyword argument");
        e.args.push_back(parse_expression(true));
      }
      if (!is_op(",")) break;
      advance();
    }
    expect_op(")");
  }

  ExprPtr parse_call(ExprPtr callee) {
    auto e = node(ExprKind::kCall, cur().line);
    e->args.push_back(std::move(callee));
    parse_args(*e);
    return e;
  }

  ExprPtr parse_filter_chain(ExprPtr operand, bool leading_pipe) {
    if (leading_pipe) expect_op("|");
    while (true) {
      auto f = node(ExprKind::kFilter, cur().line);
      f->name = expect_name();
      while (is_op(".")) {
        advance();
        f->name += "." + expect_name();
      }
      f->args.push_back(std::move(operand));
      if (is_op("(")) parse_args(*f);
      operand = std::move(f);
      if (!is_op("|")) return operand;
      advance();
    }
  }

  ExprPtr parse_filter_expr(ExprPtr e) {
    while (true) {
      if (is_op("|")) {
        advance();
        auto f = node(ExprKind::kFilter, cur().line);
        f->name = expect_name();
        f->args.push_back(std::move(e));
        if (is_op("(")) parse_args(*f);
        e = std::move(f);
      } else if (is_name("is")) {
        auto t = node(ExprKind::kTest, cur().line);
        advance();
        if (is_name("not")) {
          t->negated = true;
          advance();
        }
        t->name = expect_name();
        t->args.push_back(std::move(e));
        if (is_op("(")) {
          parse_args(*t);
        } else if ((cur().type == TokenType::kName || cur().type == TokenType::kString ||
                    cur().type == TokenType::kInt || cur().type == TokenType::kFloat || is_op("[") || is_op("{")) &&
                   !is_name("else") && !is_name("or") && !is_name("and") && !is_name("if") &&
                   !is_name("in") && !is_name("not") && !is_name("is")) {
          t->args.push_back(parse_postfix(parse_primary()));
        }
        e = std::move(t);
      } else if (is_op("(")) {
        e = parse_call(std::move(e));
      } else {
        return e;
      }
    }
  }

  std::vector<Token> t_;
  std::size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace

Body parse_template(std::string_view source) { return Parser(tokenize(source)).parse_all(); }

}  // namespace sovra::chat::jinja
