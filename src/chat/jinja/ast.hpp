#pragma once
// The parsed template: expression and statement nodes. Plain data; the interpreter walks it.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/jinja/value.hpp"

namespace sovra::chat::jinja {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class ExprKind {
  kLiteral,   // literal
  kName,      // name
  kList,      // args: items; name "tuple" for a tuple
  kDict,      // args: key0, value0, key1, value1, ...
  kAttr,      // args[0].name
  kItem,      // args[0][args[1]]
  kSlice,     // args[0][args[1]:args[2]:args[3]] (null parts omitted)
  kCall,      // args[0](args[1..], kwargs)
  kFilter,    // args[0] | name(args[1..], kwargs); args[0] null inside a filter block
  kTest,      // args[0] is [not] name(args[1..])
  kUnary,     // op args[0]: "not", "-", "+"
  kBinary,    // args[0] op args[1]: + - * / // % ** ~ in "not in" == != < <= > >=
  kAnd,       // args[0] and args[1]
  kOr,        // args[0] or args[1]
  kCondition,  // args[1] if args[0] else args[2] (args[2] may be null)
  kCompare,    // args[0] ops[0] args[1] ops[1] args[2] ...: Python's chained comparison
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  int line = 0;
  std::string name;  // name, attribute, filter, test or operator
  bool negated = false;
  Value literal;
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::string> ops;  // kCompare
};

enum class StmtKind {
  kText,         // text
  kOutput,       // {{ expr }}
  kIf,           // conditions[i] → bodies[i]; else_body
  kFor,          // targets in expr [if cond]: body; else_body
  kSet,          // targets (or attr target `name.attr`) = expr
  kSetBlock,     // {% set name %}body{% endset %}, optional filter chain in expr
  kMacro,        // name(params = defaults) body
  kCallBlock,    // {% call(params) expr %}body{% endcall %}
  kFilterBlock,  // {% filter chain %}body{% endfilter %}
  kBreak,
  kContinue,
  kDo,  // {% do expr %}
  kBlock,  // a body rendered in place ({% generation %})
};

struct Stmt {
  StmtKind kind = StmtKind::kText;
  int line = 0;
  std::string text;
  std::vector<std::string> targets;  // for / set targets; macro parameter names
  std::string attr;                  // set ns.attr = ...
  ExprPtr expr;
  ExprPtr cond;                         // for ... if cond
  std::vector<ExprPtr> conditions;      // if / elif
  std::vector<Body> bodies;             // if / elif bodies
  std::vector<ExprPtr> defaults;        // macro parameter defaults (null: none)
  Body body;
  Body else_body;
  bool uses_caller = false;   // macro: its body names `caller`
  bool uses_varargs = false;  // macro: accepts extra positional arguments
  bool uses_kwargs = false;   // macro: accepts unknown keyword arguments
};

}  // namespace sovra::chat::jinja
