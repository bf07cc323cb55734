#pragma once
// The Jinja data model: Python-like values (None, bool, int, float, str, list, dict, callables) plus jinja2's
// Undefined. Lists and dicts are shared by reference, as in Python, so `namespace` and `append` mutate in place.
//
// Contract: Values are cheap to copy (strings copy, containers share). Dicts keep insertion order (as Python and
// JSON input do) and have string keys only.
#include <boost/json/fwd.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace sovra::chat::jinja {

class Value;
class Interpreter;

struct Undefined {
  std::string hint;  // why it is undefined: "'x' is undefined", "'dict object' has no attribute 'y'"
};
struct None {};

// Containers free their children iteratively past a small depth, so dropping a deeply nested value built by a
// hostile template cannot overflow the stack.
struct ListObj {
  ListObj() = default;
  ListObj(const ListObj&) = delete;
  ListObj& operator=(const ListObj&) = delete;
  ~ListObj();
  std::vector<Value> items;
  bool generator = false;  // the result of map/select/...: iterable once-through, no len(), not JSON
  bool tuple = false;      // prints as (a, b); cannot be appended to
};

struct DictObj {
  DictObj() = default;
  DictObj(const DictObj&) = delete;
  DictObj& operator=(const DictObj&) = delete;
  ~DictObj();
  std::vector<std::pair<Value, Value>> items;  // keys are str in JSON data; templates may use ints too
  bool is_namespace = false;  // jinja2 Namespace: attribute assignment allowed, not a mapping

  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  const Value* find(const Value& key) const;
  void set(std::string key, Value v);
  void set(const char* key, Value v);
  void set(Value key, Value v);
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> named;

  const Value* find_named(std::string_view name) const;
  // The argument at `index` or named `name`, or nullptr.
  const Value* get(std::size_t index, std::string_view name) const;
};

struct Callable {
  std::string name;
  std::function<Value(Interpreter&, CallArgs&)> fn;
};

using ListPtr = std::shared_ptr<ListObj>;
using DictPtr = std::shared_ptr<DictObj>;
using CallablePtr = std::shared_ptr<Callable>;

enum class Kind { kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kCallable };

class Value {
 public:
  Value() : v_(Undefined{}) {}
  Value(None n) : v_(n) {}                             // NOLINT(google-explicit-constructor)
  Value(bool b) : v_(b) {}                             // NOLINT(google-explicit-constructor)
  Value(std::int64_t i) : v_(i) {}                     // NOLINT(google-explicit-constructor)
  Value(int i) : v_(static_cast<std::int64_t>(i)) {}  // NOLINT(google-explicit-constructor)
  Value(double d) : v_(d) {}                           // NOLINT(google-explicit-constructor)
  Value(std::string s) : v_(std::move(s)) {}           // NOLINT(google-explicit-constructor)
  Value(std::string_view s) : v_(std::string(s)) {}    // NOLINT(google-explicit-constructor)
  Value(const char* s) : v_(std::string(s)) {}         // NOLINT(google-explicit-constructor)
  Value(ListPtr l) : v_(std::move(l)) {}               // NOLINT(google-explicit-constructor)
  Value(DictPtr d) : v_(std::move(d)) {}               // NOLINT(google-explicit-constructor)
  Value(CallablePtr c) : v_(std::move(c)) {}           // NOLINT(google-explicit-constructor)
  Value(Undefined u) : v_(std::move(u)) {}             // NOLINT(google-explicit-constructor)

  static Value undefined(std::string hint = {}) { return Value(Undefined{std::move(hint)}); }
  static Value list(std::vector<Value> items = {}, bool generator = false);
  static Value tuple(std::vector<Value> items);
  static Value dict();
  static Value callable(std::string name, std::function<Value(Interpreter&, CallArgs&)> fn);
  // A markupsafe.Markup string (from `safe`/`escape`): `markup + str` HTML-escapes the str operand.
  static Value markup(std::string s) {
    Value v(std::move(s));
    v.markup_ = true;
    return v;
  }
  bool is_markup() const { return markup_; }

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_undefined() const { return kind() == Kind::kUndefined; }
  bool is_none() const { return kind() == Kind::kNone; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_float() const { return kind() == Kind::kFloat; }
  bool is_number() const { return is_int() || is_float() || is_bool(); }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_list() const { return kind() == Kind::kList; }
  bool is_dict() const { return kind() == Kind::kDict; }
  bool is_mapping() const { return is_dict() && !as_dict().is_namespace; }
  bool is_callable() const { return kind() == Kind::kCallable; }

  bool as_bool() const { return std::get<bool>(v_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
  double as_float() const { return std::get<double>(v_); }
  // int, float or bool as a double.
  double to_double() const;
  const std::string& as_string() const { return std::get<std::string>(v_); }
  ListObj& as_list() const { return *std::get<ListPtr>(v_); }
  DictObj& as_dict() const { return *std::get<DictPtr>(v_); }
  const ListPtr& list_ptr() const { return std::get<ListPtr>(v_); }
  const DictPtr& dict_ptr() const { return std::get<DictPtr>(v_); }
  Callable& as_callable() const { return *std::get<CallablePtr>(v_); }
  const std::string& undefined_hint() const { return std::get<Undefined>(v_).hint; }

  // Python truthiness (Undefined is false).
  bool truthy() const;
  // Python type name as jinja2's messages print it: "str", "dict", "NoneType", ...
  std::string type_name() const;

 private:
  std::variant<Undefined, None, bool, std::int64_t, double, std::string, ListPtr, DictPtr, CallablePtr> v_;
  bool markup_ = false;
};

// Python `==` (deep; 1 == 1.0 == True).
bool equals(const Value& a, const Value& b);

// Converts parsed JSON to a Value (objects keep their order).
Value from_json(const boost::json::value& json);

}  // namespace sovra::chat::jinja
