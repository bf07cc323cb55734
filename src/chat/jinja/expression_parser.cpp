#include "chat/jinja/expression_parser.hpp"

#include <charconv>
#include <cstdlib>

namespace sovra::chat::jinja {

ExprPtr ExpressionParser::parse_tuple(bool with_condexpr) {
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

ExprPtr ExpressionParser::parse_expression(bool with_condexpr) {
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

ExprPtr ExpressionParser::binary(ExprKind kind, std::string op, ExprPtr a, ExprPtr b, int line) {
  auto e = node(kind, line);
  e->name = std::move(op);
  e->args.push_back(std::move(a));
  e->args.push_back(std::move(b));
  return e;
}

ExprPtr ExpressionParser::parse_or() {
  ExprPtr e = parse_and();
  while (is_name("or")) {
    const int line = cur().line;
    advance();
    e = binary(ExprKind::kOr, "or", std::move(e), parse_and(), line);
  }
  return e;
}
ExprPtr ExpressionParser::parse_and() {
  ExprPtr e = parse_not();
  while (is_name("and")) {
    const int line = cur().line;
    advance();
    e = binary(ExprKind::kAnd, "and", std::move(e), parse_not(), line);
  }
  return e;
}
ExprPtr ExpressionParser::parse_not() {
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
ExprPtr ExpressionParser::parse_compare() {
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
ExprPtr ExpressionParser::parse_math1() {
  ExprPtr e = parse_concat();
  while (is_op("+") || is_op("-")) {
    const int line = cur().line;
    std::string op = cur().text;
    advance();
    e = binary(ExprKind::kBinary, op, std::move(e), parse_concat(), line);
  }
  return e;
}
ExprPtr ExpressionParser::parse_concat() {
  ExprPtr e = parse_math2();
  while (is_op("~")) {
    const int line = cur().line;
    advance();
    e = binary(ExprKind::kBinary, "~", std::move(e), parse_math2(), line);
  }
  return e;
}
ExprPtr ExpressionParser::parse_math2() {
  ExprPtr e = parse_pow();
  while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
    const int line = cur().line;
    std::string op = cur().text;
    advance();
    e = binary(ExprKind::kBinary, op, std::move(e), parse_pow(), line);
  }
  return e;
}
ExprPtr ExpressionParser::parse_pow() {
  ExprPtr e = parse_unary(true);
  while (is_op("**")) {
    const int line = cur().line;
    advance();
    e = binary(ExprKind::kBinary, "**", std::move(e), parse_unary(true), line);
  }
  return e;
}
ExprPtr ExpressionParser::parse_unary(bool with_filter) {
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

ExprPtr ExpressionParser::parse_primary() {
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
      if (n == "caller") ++special_refs_.caller;
      if (n == "varargs") ++special_refs_.varargs;
      if (n == "kwargs") ++special_refs_.kwargs;
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

ExprPtr ExpressionParser::parse_postfix(ExprPtr e) {
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

ExprPtr ExpressionParser::parse_subscript(ExprPtr target, int line) {
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
void ExpressionParser::parse_args(Expr& e) {
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

ExprPtr ExpressionParser::parse_call(ExprPtr callee) {
  auto e = node(ExprKind::kCall, cur().line);
  e->args.push_back(std::move(callee));
  parse_args(*e);
  return e;
}

ExprPtr ExpressionParser::parse_filter_chain(ExprPtr operand, bool leading_pipe) {
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

ExprPtr ExpressionParser::parse_filter_expr(ExprPtr e) {
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

}  // namespace sovra::chat::jinja
