// jinja2's tests (`x is defined`, `x is divisibleby 3`, ...), with Python's type rules: bool is a number but
// not an integer test match; Undefined is iterable and a sequence (it has __iter__, __len__ and __getitem__).
#include <algorithm>
#include <cmath>

#include "chat/jinja/builtins.hpp"
#include "chat/jinja/error.hpp"

namespace sovra::chat::jinja {
namespace {

const Value& need_arg(const CallArgs& a, const std::string& test) {
  if (a.positional.empty()) throw_type("test '" + test + "' needs an argument");
  return a.positional[0];
}

const char* const kTests[] = {"defined", "undefined", "none", "string", "mapping", "iterable", "sequence",
                              "number", "integer", "float", "boolean", "true", "false", "equalto", "eq", "==",
                              "ne", "!=", "lt", "<", "lessthan", "le", "<=", "gt", ">", "greaterthan", "ge", ">=",
                              "odd", "even", "divisibleby", "callable", "in", "sameas", "lower", "upper", "escaped",
                              "filter", "test"};

}  // namespace

bool has_test(const std::string& name) {
  return std::find(std::begin(kTests), std::end(kTests), name) != std::end(kTests);
}

bool apply_test(Interpreter& in, const std::string& name, const Value& v, CallArgs& a) {
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "none") return v.is_none();
  if (name == "string") return v.is_string();
  if (name == "mapping") return v.is_mapping();
  if (name == "iterable") return v.is_undefined() || v.is_string() || v.is_list() || v.is_mapping();
  if (name == "sequence") return v.is_undefined() || v.is_string() || (v.is_list() && !v.as_list().generator) || v.is_mapping();
  if (name == "number") return v.is_number();
  if (name == "integer") return v.is_int();
  if (name == "float") return v.is_float();
  if (name == "boolean") return v.is_bool();
  if (name == "true") return v.is_bool() && v.as_bool();
  if (name == "false") return v.is_bool() && !v.as_bool();
  if (name == "callable") return v.is_callable();
  if (name == "escaped") return false;
  if (name == "equalto" || name == "eq" || name == "==") return equals(v, need_arg(a, name));
  if (name == "ne" || name == "!=") return !equals(v, need_arg(a, name));
  if (name == "sameas") {
    const Value& o = need_arg(a, name);
    if (v.is_list() && o.is_list()) return v.list_ptr() == o.list_ptr();
    if (v.is_dict() && o.is_dict()) return v.dict_ptr() == o.dict_ptr();
    if ((v.is_none() && o.is_none()) || (v.is_undefined() && o.is_undefined())) return true;
    if (v.is_bool() && o.is_bool()) return v.as_bool() == o.as_bool();
    return false;
  }
  if (name == "lt" || name == "<" || name == "lessthan") return compare_values(v, need_arg(a, name)) < 0;
  if (name == "le" || name == "<=") return compare_values(v, need_arg(a, name)) <= 0;
  if (name == "gt" || name == ">" || name == "greaterthan") return compare_values(v, need_arg(a, name)) > 0;
  if (name == "ge" || name == ">=") return compare_values(v, need_arg(a, name)) >= 0;
  if (name == "in") return binary_op(in, "in", v, need_arg(a, name)).as_bool();
  if (name == "odd" || name == "even" || name == "divisibleby") {
    std::int64_t n = 0;
    if (!(v.is_int() || v.is_bool()) || !to_int(v, n)) {
      if (v.is_float() && name == "divisibleby") {
        std::int64_t d = 0;
        if (!to_int(need_arg(a, name), d) || d == 0) throw_type("integer division or modulo by zero");
        return std::fmod(v.as_float(), static_cast<double>(d)) == 0;
      }
      if (v.is_undefined()) throw_undefined(v.undefined_hint());
      throw_type("unsupported operand type for %: '" + v.type_name() + "'");
    }
    if (name == "odd") return n % 2 != 0;
    if (name == "even") return n % 2 == 0;
    std::int64_t d = 0;
    if (!to_int(need_arg(a, name), d)) throw_type("divisibleby needs an integer");
    if (d == 0) throw_type("integer division or modulo by zero");
    if (d == -1) return true;
    return n % d == 0;
  }
  if (name == "lower") return v.is_string() && std::none_of(v.as_string().begin(), v.as_string().end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; });
  if (name == "upper") return v.is_string() && std::none_of(v.as_string().begin(), v.as_string().end(), [](char c) { return std::islower(static_cast<unsigned char>(c)) != 0; });
  if (name == "filter" || name == "test") {
    static const char* const kFilters[] = {"tojson", "length", "count", "string", "trim", "default", "d", "safe",
                                           "escape", "e", "upper", "lower", "capitalize", "title", "replace",
                                           "first", "last", "join", "list", "items", "dictsort", "int", "float",
                                           "abs", "round", "indent", "map", "select", "reject", "selectattr",
                                           "rejectattr", "unique", "sort", "reverse", "sum", "min", "max",
                                           "wordcount", "batch", "attr", "format", "center", "forceescape"};
    const Value& n = need_arg(a, name);
    if (!n.is_string()) return false;
    if (name == "test") return has_test(n.as_string());
    return std::find(std::begin(kFilters), std::end(kFilters), n.as_string()) != std::end(kFilters);
  }
  throw JinjaError(ErrorKind::kRuntime, "No test named '" + name + "'.");
}

}  // namespace sovra::chat::jinja
