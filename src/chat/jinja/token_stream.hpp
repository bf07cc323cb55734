#pragma once
// The token cursor the template parser works on: lookahead, expectations with syntax errors naming the line,
// and a nesting guard (kMaxParseDepth) so hostile input cannot exhaust the stack.
#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chat/jinja/ast.hpp"
#include "chat/jinja/error.hpp"
#include "chat/jinja/lexer.hpp"

namespace sovra::chat::jinja {

inline constexpr int kMaxParseDepth = 96;

class TokenStream {
 public:
  explicit TokenStream(std::vector<Token> tokens) : t_(std::move(tokens)) {}

 protected:
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
    explicit DepthGuard(TokenStream& p) : p_(p) {
      if (++p_.depth_ > kMaxParseDepth) p_.fail("template nested too deeply");
    }
    ~DepthGuard() { --p_.depth_; }
    TokenStream& p_;
  };

  ExprPtr node(ExprKind kind, int line) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = line;
    return e;
  }

  std::vector<Token> t_;
  std::size_t i_ = 0;
  int depth_ = 0;
  // How often the names a macro body may use implicitly have been parsed so far.
  struct SpecialRefs {
    int caller = 0;
    int varargs = 0;
    int kwargs = 0;
  } special_refs_;
};

}  // namespace sovra::chat::jinja
