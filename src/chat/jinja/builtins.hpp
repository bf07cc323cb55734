#pragma once
// The names a template can use besides its context: filters (`x | name`), tests (`x is name`), methods of
// str/list/dict values (`s.strip()`), binary operators and global functions (range, namespace, dict,
// raise_exception, strftime_now). Each throws JinjaError on misuse, like jinja2 would raise.
#include <string>

#include "chat/jinja/value.hpp"

namespace sovra::chat::jinja {

class Interpreter;

Value apply_filter(Interpreter& in, const std::string& name, const Value& operand, CallArgs& args);
bool apply_test(Interpreter& in, const std::string& name, const Value& operand, CallArgs& args);
bool has_test(const std::string& name);
// A bound method of `obj` named `name`, or Undefined when `obj` has no such method.
Value bind_method(const Value& obj, const std::string& name);
// A global function, or Undefined.
Value global_function(const std::string& name);
// + - * / // % ** ~ == != < <= > >= in, "not in".
Value binary_op(Interpreter& in, const std::string& op, const Value& a, const Value& b);
// Python ordering for sort/min/max/dictsort: numbers, strings, lists; others are a type error.
int compare_values(const Value& a, const Value& b, bool case_sensitive = true);
// int, bool or float (truncated) as an integer; false for any other value.
bool to_int(const Value& v, std::int64_t& out);
// Throws when storing `added` inside `container` would make a reference cycle (which would never be freed and
// would print forever). Each container visited costs a step.
void check_no_cycle(Interpreter& in, const Value& container, const Value& added);

}  // namespace sovra::chat::jinja
