#include "chat/jinja/parser.hpp"

#include <initializer_list>

#include "chat/jinja/expression_parser.hpp"
#include "chat/jinja/lexer.hpp"

namespace sovra::chat::jinja {
namespace {

// Statements: text, {{ output }}, and the block tags, each body parsed until its end tag.
class Parser : public ExpressionParser {
 public:
  using ExpressionParser::ExpressionParser;

  Body parse_all() {
    std::string end;
    return parse_body({}, end);
  }

 private:
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
      const SpecialRefs before = special_refs_;
      s->body = parse_body({"endmacro"}, end);
      // jinja2 only lets a macro take caller / extra arguments when its body names them.
      s->uses_caller = special_refs_.caller > before.caller;
      s->uses_varargs = special_refs_.varargs > before.varargs;
      s->uses_kwargs = special_refs_.kwargs > before.kwargs;
      if (cur().type == TokenType::kName) advance();  // {% endmacro name %}
      expect_block_end();
    } else if (name == "call") {
      s->kind = StmtKind::kCallBlock;
      if (is_op("(")) parse_params(*s);
      s->uses_varargs = s->uses_kwargs = true;
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

};

}  // namespace

Body parse_template(std::string_view source) { return Parser(tokenize(source)).parse_all(); }

}  // namespace sovra::chat::jinja
