// jinja2's built-in filters (plus Hugging Face's tojson), with jinja2 3.1's argument names and defaults.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "chat/jinja/builtins.hpp"
#include "chat/jinja/error.hpp"
#include "chat/jinja/interpreter.hpp"
#include "chat/jinja/py_text.hpp"
#include "chat/jinja/str_util.hpp"

namespace sovra::chat::jinja {
namespace {

bool arg_bool(const CallArgs& a, std::size_t i, const char* name, bool dflt) {
  const Value* v = a.get(i, name);
  return v == nullptr ? dflt : v->truthy();
}

std::int64_t arg_int(const CallArgs& a, std::size_t i, const char* name, std::int64_t dflt) {
  const Value* v = a.get(i, name);
  std::int64_t n = dflt;
  if (v != nullptr && !v->is_none() && !to_int(*v, n)) throw_type(std::string(name) + " must be an integer");
  return n;
}

std::size_t length_of(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined: return 0;
    case Kind::kString: return utf8_length(v.as_string());
    case Kind::kList:
      if (!v.as_list().generator) return v.as_list().items.size();
      break;
    case Kind::kDict:
      if (!v.as_dict().is_namespace) return v.as_dict().items.size();
      break;
    default: break;
  }
  throw_type("object of type '" + v.type_name() + "' has no len()");
}

// Resolves "a.b.0" on an item, as jinja2's make_attrgetter does.
Value attr_path(Interpreter& in, const Value& item, const std::string& path) {
  Value v = item;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      v = get_item(in, v, Value(static_cast<std::int64_t>(std::strtoll(part.substr(0, 18).c_str(), nullptr, 10))));
    } else {
      v = get_item(in, v, Value(part));
    }
    if (dot == std::string::npos) return v;
    start = dot + 1;
  }
}

Value tojson(const Value& v, const CallArgs& a) {
  JsonDumpOptions o;
  o.ensure_ascii = arg_bool(a, 0, "ensure_ascii", false);
  const Value* indent = a.get(1, "indent");
  if (indent != nullptr && !indent->is_none()) {
    o.has_indent = true;
    if (indent->is_string()) {
      o.indent = indent->as_string();
    } else {
      std::int64_t n = 0;
      if (!to_int(*indent, n)) throw_type("indent must be an integer or a string");
      o.indent = std::string(static_cast<std::size_t>(std::clamp<std::int64_t>(n, 0, 64)), ' ');
    }
  }
  o.item_separator = o.has_indent ? "," : ", ";
  const Value* seps = a.get(2, "separators");
  if (seps != nullptr && !seps->is_none()) {
    if (!seps->is_list() || seps->as_list().items.size() != 2 || !seps->as_list().items[0].is_string() ||
        !seps->as_list().items[1].is_string()) {
      throw_type("separators must be a pair of strings");
    }
    o.item_separator = seps->as_list().items[0].as_string();
    o.key_separator = seps->as_list().items[1].as_string();
  }
  o.sort_keys = arg_bool(a, 3, "sort_keys", false);
  return Value(json_dumps(v, o));
}

Value int_filter(const Value& v, const CallArgs& a) {
  const Value* dflt = a.get(0, "default");
  const Value fallback = dflt != nullptr ? *dflt : Value(std::int64_t{0});
  std::int64_t n = 0;
  if (v.is_string()) {
    const std::string s = py_strip(v.as_string(), std::nullopt, true, true);
    char* end = nullptr;
    errno = 0;
    const long long base = arg_int(a, 1, "base", 10);
    n = std::strtoll(s.c_str(), &end, static_cast<int>(std::clamp<long long>(base, 2, 36)));
    if (!s.empty() && end == s.c_str() + s.size() && errno == 0) return Value(n);
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size() && to_int(Value(d), n)) return Value(n);
    return fallback;
  }
  if (to_int(v, n)) return Value(n);
  return fallback;
}

Value float_filter(const Value& v, const CallArgs& a) {
  const Value* dflt = a.get(0, "default");
  const Value fallback = dflt != nullptr ? *dflt : Value(0.0);
  if (v.is_number()) return Value(v.to_double());
  if (v.is_string()) {
    const std::string s = py_strip(v.as_string(), std::nullopt, true, true);
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) return Value(d);
  }
  return fallback;
}

Value indent_filter(const Value& v, const CallArgs& a) {
  const Value* w = a.get(0, "width");
  std::string pad = "    ";
  if (w != nullptr && w->is_string()) {
    pad = w->as_string();
  } else if (w != nullptr) {
    std::int64_t n = 4;
    if (!to_int(*w, n)) throw_type("indent width must be an integer or a string");
    pad = std::string(static_cast<std::size_t>(std::clamp<std::int64_t>(n, 0, 256)), ' ');
  }
  const bool first = arg_bool(a, 1, "first", false);
  const bool blank = arg_bool(a, 2, "blank", false);
  std::string s = to_str(v) + "\n";
  const auto lines = py_splitlines(s);
  std::string out;
  if (blank) {
    for (std::size_t k = 0; k < lines.size(); ++k) {
      if (k > 0) out += "\n" + pad;
      out += lines[k];
    }
  } else if (!lines.empty()) {
    out = lines[0];
    for (std::size_t k = 1; k < lines.size(); ++k) out += "\n" + (lines[k].empty() ? std::string() : pad + lines[k]);
  }
  if (first) out = pad + out;
  return Value(std::move(out));
}

Value round_filter(const Value& v, const CallArgs& a) {
  const std::int64_t precision = std::clamp<std::int64_t>(arg_int(a, 0, "precision", 0), -20, 20);
  const Value* m = a.get(1, "method");
  const std::string method = m != nullptr && m->is_string() ? m->as_string() : "common";
  if (!v.is_number()) throw_type("round() requires a number");
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double x = v.to_double() * scale;
  double r = 0;
  if (method == "common") r = std::nearbyint(x);  // Python's round(): half to even
  else if (method == "ceil") r = std::ceil(x);
  else if (method == "floor") r = std::floor(x);
  else throw JinjaError(ErrorKind::kRuntime, "method must be common, ceil or floor");
  if (method == "common" && (v.is_int() || v.is_bool())) return Value(v.is_bool() ? std::int64_t{v.as_bool()} : v.as_int());
  return Value(r / scale);
}

using Pred = std::function<bool(const Value&)>;

Value filter_items(Interpreter& in, const Value& seq, const Pred& keep) {
  std::vector<Value> out;
  if (!seq.truthy()) return Value::list(std::move(out), true);  // jinja2: `if value:` before iterating
  for (auto& item : iterate(seq)) {
    in.step();
    if (keep(item)) out.push_back(std::move(item));
  }
  return Value::list(std::move(out), true);
}

// select/reject/selectattr/rejectattr: `first_test` is the index of the test name in the arguments.
Value select_like(Interpreter& in, const Value& seq, CallArgs& a, bool by_attr, bool keep_if) {
  std::string attr;
  std::size_t k = 0;
  if (by_attr) {
    if (a.positional.empty() || !a.positional[0].is_string()) throw_type("selectattr needs an attribute name");
    attr = a.positional[0].as_string();
    k = 1;
  }
  std::string test;
  CallArgs test_args;
  if (a.positional.size() > k) {
    if (!a.positional[k].is_string()) throw_type("test name must be a string");
    test = a.positional[k].as_string();
    test_args.positional.assign(a.positional.begin() + static_cast<std::ptrdiff_t>(k + 1), a.positional.end());
    if (!has_test(test)) throw JinjaError(ErrorKind::kRuntime, "No test named '" + test + "'.");
  }
  return filter_items(in, seq, [&](const Value& item) {
    Value x = by_attr ? attr_path(in, item, attr) : item;
    const bool r = test.empty() ? x.truthy() : apply_test(in, test, x, test_args);
    return r == keep_if;
  });
}

Value map_filter(Interpreter& in, const Value& seq, CallArgs& a) {
  std::vector<Value> out;
  if (!seq.truthy()) return Value::list(std::move(out), true);  // jinja2: `if value:` before iterating
  if (const Value* attr = a.find_named("attribute")) {
    const Value* dflt = a.find_named("default");
    const std::string path = to_str(*attr);
    for (const auto& item : iterate(seq)) {
      in.step();
      Value v = attr_path(in, item, path);
      out.push_back(v.is_undefined() && dflt != nullptr ? *dflt : v);
    }
    return Value::list(std::move(out), true);
  }
  if (a.positional.empty() || !a.positional[0].is_string()) throw_type("map needs a filter name or attribute=");
  const std::string name = a.positional[0].as_string();
  CallArgs rest;
  rest.positional.assign(a.positional.begin() + 1, a.positional.end());
  rest.named = a.named;
  for (const auto& item : iterate(seq)) {
    in.step();
    CallArgs copy = rest;
    out.push_back(apply_filter(in, name, item, copy));
  }
  return Value::list(std::move(out), true);
}

Value sort_filter(Interpreter& in, const Value& seq, const CallArgs& a) {
  const bool reverse = arg_bool(a, 0, "reverse", false);
  const bool case_sensitive = arg_bool(a, 1, "case_sensitive", false);
  const Value* attr = a.get(2, "attribute");
  std::vector<Value> items = iterate(seq);
  std::vector<std::pair<Value, Value>> keyed;
  for (auto& item : items) keyed.emplace_back(attr != nullptr ? attr_path(in, item, to_str(*attr)) : item, item);
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    const int c = compare_values(x.first, y.first, case_sensitive);
    return reverse ? c > 0 : c < 0;
  });
  std::vector<Value> out;
  for (auto& kv : keyed) out.push_back(std::move(kv.second));
  return Value::list(std::move(out));
}

Value dictsort_filter(const Value& v, const CallArgs& a) {
  if (!v.is_mapping()) throw_type("dictsort expects a mapping");
  const bool case_sensitive = arg_bool(a, 0, "case_sensitive", false);
  const Value* by = a.get(1, "by");
  const bool by_value = by != nullptr && by->is_string() && by->as_string() == "value";
  const bool reverse = arg_bool(a, 2, "reverse", false);
  auto items = v.as_dict().items;
  std::stable_sort(items.begin(), items.end(), [&](const auto& x, const auto& y) {
    const int c = by_value ? compare_values(x.second, y.second, case_sensitive)
                           : compare_values(Value(x.first), Value(y.first), case_sensitive);
    return reverse ? c > 0 : c < 0;
  });
  std::vector<Value> out;
  for (auto& [k, val] : items) out.push_back(Value::tuple({Value(k), val}));
  return Value::list(std::move(out));
}

Value min_max(const Value& seq, const CallArgs& a, bool want_max, Interpreter& in) {
  const bool case_sensitive = arg_bool(a, 0, "case_sensitive", false);
  const Value* attr = a.get(1, "attribute");
  Value best = Value::undefined("No aggregated item, sequence was empty.");
  Value best_key;
  for (const auto& item : iterate(seq)) {
    Value key = attr != nullptr ? attr_path(in, item, to_str(*attr)) : item;
    if (best.is_undefined() || (want_max ? compare_values(key, best_key, case_sensitive) > 0 : compare_values(key, best_key, case_sensitive) < 0)) {
      best = item;
      best_key = key;
    }
  }
  return best;
}

}  // namespace

Value apply_filter(Interpreter& in, const std::string& name, const Value& v, CallArgs& a) {
  if (name == "tojson") return tojson(v, a);
  if (name == "length" || name == "count") return Value(static_cast<std::int64_t>(length_of(v)));
  if (name == "string") return Value(to_str(v));
  if (name == "trim") {
    const Value* chars = a.get(0, "chars");
    return Value(py_strip(to_str(v), chars != nullptr && chars->is_string() ? std::optional<std::string>(chars->as_string()) : std::nullopt, true, true));
  }
  if (name == "default" || name == "d") {
    const bool boolean = arg_bool(a, 1, "boolean", false);
    if (v.is_undefined() || (boolean && !v.truthy())) {
      const Value* d = a.get(0, "default_value");
      return d != nullptr ? *d : Value("");
    }
    return v;
  }
  if (name == "safe") return v.is_markup() ? v : Value::markup(to_str(v));
  if (name == "escape" || name == "e") return v.is_markup() ? v : Value::markup(html_escape(to_str(v)));
  if (name == "forceescape") return Value::markup(html_escape(to_str(v)));
  if (name == "upper") return Value(py_upper(to_str(v)));
  if (name == "lower") return Value(py_lower(to_str(v)));
  if (name == "capitalize") return Value(py_capitalize(to_str(v)));
  if (name == "title") return Value(jinja_title(to_str(v)));
  if (name == "replace") {
    const Value* old = a.get(0, "old");
    const Value* repl = a.get(1, "new");
    if (old == nullptr || repl == nullptr) throw_type("replace needs old and new");
    const std::string s = to_str(v);
    const std::string o = to_str(*old);
    const std::string r = to_str(*repl);
    if (o.empty()) in.check_string_size(s.size() * (r.size() + 1) + r.size());
    std::string out = py_replace(s, o, r, static_cast<long>(arg_int(a, 2, "count", -1)));
    in.check_string_size(out.size());
    return Value(std::move(out));
  }
  if (name == "first" || name == "last") {
    if (v.is_undefined()) return Value::undefined("No first item, sequence was empty.");
    std::vector<Value> items = iterate(v);
    if (items.empty()) return Value::undefined("No " + name + " item, sequence was empty.");
    return name == "first" ? items.front() : items.back();
  }
  if (name == "join") {
    const Value* sep = a.get(0, "d");
    const Value* attr = a.get(1, "attribute");
    const std::string d = sep != nullptr ? to_str(*sep) : std::string();
    std::string out;
    bool first = true;
    for (const auto& item : iterate(v)) {
      if (!first) out += d;
      first = false;
      append_str(out, attr != nullptr ? attr_path(in, item, to_str(*attr)) : item);
      in.check_string_size(out.size());
    }
    return Value(std::move(out));
  }
  if (name == "list") return Value::list(iterate(v));
  if (name == "items") {
    if (v.is_undefined()) return Value::list();
    if (!v.is_mapping()) throw_type("items filter expects a mapping");
    std::vector<Value> out;
    for (const auto& [k, val] : v.as_dict().items) out.push_back(Value::tuple({Value(k), val}));
    return Value::list(std::move(out), true);
  }
  if (name == "dictsort") return dictsort_filter(v, a);
  if (name == "int") return int_filter(v, a);
  if (name == "float") return float_filter(v, a);
  if (name == "abs") {
    if (v.is_int() && v.as_int() == INT64_MIN) return Value(-static_cast<double>(v.as_int()));
    if (v.is_int()) return Value(static_cast<std::int64_t>(std::llabs(v.as_int())));
    if (v.is_bool()) return Value(std::int64_t{v.as_bool()});
    if (v.is_float()) return Value(std::fabs(v.as_float()));
    throw_type("bad operand type for abs(): '" + v.type_name() + "'");
  }
  if (name == "round") return round_filter(v, a);
  if (name == "indent") return indent_filter(v, a);
  if (name == "map") return map_filter(in, v, a);
  if (name == "select") return select_like(in, v, a, false, true);
  if (name == "reject") return select_like(in, v, a, false, false);
  if (name == "selectattr") return select_like(in, v, a, true, true);
  if (name == "rejectattr") return select_like(in, v, a, true, false);
  if (name == "unique") {
    const bool case_sensitive = arg_bool(a, 0, "case_sensitive", false);
    const Value* attr = a.get(1, "attribute");
    std::vector<Value> out;
    std::vector<Value> seen;
    for (const auto& item : iterate(v)) {
      in.step();
      Value key = attr != nullptr ? attr_path(in, item, to_str(*attr)) : item;
      if (!case_sensitive && key.is_string()) key = Value(py_lower(key.as_string()));
      if (std::none_of(seen.begin(), seen.end(), [&](const Value& s) { return equals(s, key); })) {
        seen.push_back(key);
        out.push_back(item);
      }
    }
    return Value::list(std::move(out), true);
  }
  if (name == "sort") return sort_filter(in, v, a);
  if (name == "reverse") {
    if (v.is_string()) {
      const auto offs = utf8_offsets(v.as_string());
      std::string out;
      for (std::size_t k = offs.size() - 1; k > 0; --k) out.append(v.as_string(), offs[k - 1], offs[k] - offs[k - 1]);
      return Value(std::move(out));
    }
    std::vector<Value> items = iterate(v);
    std::reverse(items.begin(), items.end());
    return Value::list(std::move(items), true);
  }
  if (name == "sum") {
    const Value* attr = a.get(0, "attribute");
    const Value* start = a.get(1, "start");
    Value total = start != nullptr ? *start : Value(std::int64_t{0});
    for (const auto& item : iterate(v)) total = binary_op(in, "+", total, attr != nullptr ? attr_path(in, item, to_str(*attr)) : item);
    return total;
  }
  if (name == "min" || name == "max") return min_max(v, a, name == "max", in);
  if (name == "wordcount") {
    const std::string s = to_str(v);
    std::int64_t n = 0;
    bool in_word = false;
    for (char c : s) {
      const bool w = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
      if (w && !in_word) ++n;
      in_word = w;
    }
    return Value(n);
  }
  if (name == "batch") {
    const std::int64_t size = arg_int(a, 0, "linecount", 1);
    if (size <= 0) throw_type("batch size must be positive");
    const Value* fill = a.get(1, "fill_with");
    std::vector<Value> out;
    std::vector<Value> cur;
    for (const auto& item : iterate(v)) {
      cur.push_back(item);
      if (static_cast<std::int64_t>(cur.size()) == size) {
        out.push_back(Value::list(std::move(cur)));
        cur.clear();
      }
    }
    if (!cur.empty()) {
      while (fill != nullptr && static_cast<std::int64_t>(cur.size()) < size) cur.push_back(*fill);
      out.push_back(Value::list(std::move(cur)));
    }
    return Value::list(std::move(out), true);
  }
  if (name == "attr") {
    const Value* n = a.get(0, "name");
    if (n == nullptr) throw_type("attr needs a name");
    if (v.is_mapping()) {  // getattr(): a dict's keys are not attributes
      Value m = bind_method(v, to_str(*n));
      return m.is_undefined() ? Value::undefined("'dict object' has no attribute '" + to_str(*n) + "'") : m;
    }
    return get_attr(in, v, to_str(*n));
  }
  if (name == "format") {
    Value args = Value::list(a.positional);
    return binary_op(in, "%", Value(to_str(v)), args);
  }
  if (name == "center") {
    const std::int64_t width = std::clamp<std::int64_t>(arg_int(a, 0, "width", 80), 0, 4096);
    std::string s = to_str(v);
    const auto len = static_cast<std::int64_t>(utf8_length(s));
    if (len >= width) return Value(std::move(s));
    const std::int64_t total = width - len;
    const std::int64_t left = total / 2 + (total & width & 1);
    return Value(std::string(static_cast<std::size_t>(left), ' ') + s + std::string(static_cast<std::size_t>(total - left), ' '));
  }
  throw JinjaError(ErrorKind::kRuntime, "No filter named '" + name + "'.");
}

}  // namespace sovra::chat::jinja
