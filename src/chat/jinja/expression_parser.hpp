#pragma once
// Parses jinja2 expressions with jinja2's precedence: conditional, or, and, not, comparisons (chained), + -, ~,
// * / // %, **, unary - +, then primaries with postfix (.attr, [item], [a:b:c], call), filters and tests.
#include "chat/jinja/token_stream.hpp"

namespace sovra::chat::jinja {

class ExpressionParser : public TokenStream {
 public:
  using TokenStream::TokenStream;

  // `a, b` makes a tuple; `with_condexpr` false leaves `if` for the caller (`for x in y if cond`).
  ExprPtr parse_tuple(bool with_condexpr);
  ExprPtr parse_expression(bool with_condexpr);
  void parse_args(Expr& e);
  ExprPtr parse_filter_chain(ExprPtr operand, bool leading_pipe);

 private:
  ExprPtr binary(ExprKind kind, std::string op, ExprPtr a, ExprPtr b, int line);
  ExprPtr parse_or();
  ExprPtr parse_and();
  ExprPtr parse_not();
  ExprPtr parse_compare();
  ExprPtr parse_math1();
  ExprPtr parse_concat();
  ExprPtr parse_math2();
  ExprPtr parse_pow();
  ExprPtr parse_unary(bool with_filter);
  ExprPtr parse_primary();
  ExprPtr parse_postfix(ExprPtr e);
  ExprPtr parse_subscript(ExprPtr target, int line);
  ExprPtr parse_call(ExprPtr callee);
  ExprPtr parse_filter_expr(ExprPtr e);
};

}  // namespace sovra::chat::jinja
