// Methods of str, list and dict values that templates call (`s.strip()`, `d.items()`, `ns.ids.append(x)`).
// Lists may be appended to and popped (Kimi's templates do); other mutating methods are refused, as in
// Hugging Face's ImmutableSandboxedEnvironment.
#include <algorithm>

#include "chat/jinja/builtins.hpp"
#include "chat/jinja/error.hpp"
#include "chat/jinja/interpreter.hpp"
#include "chat/jinja/py_text.hpp"
#include "chat/jinja/str_util.hpp"

namespace sovra::chat::jinja {
namespace {

std::optional<std::string> opt_string(const Value* v, const char* what) {
  if (v == nullptr || v->is_none()) return std::nullopt;
  if (!v->is_string()) throw_type(std::string(what) + " arg must be None or str");
  return v->as_string();
}

long opt_long(const Value* v, long dflt) {
  std::int64_t n = dflt;
  if (v != nullptr && !v->is_none() && !to_int(*v, n)) throw_type("an integer is required");
  return static_cast<long>(n);
}

const std::string& need_string(const Value* v, const char* what) {
  if (v == nullptr || !v->is_string()) throw_type(std::string(what) + " expects a string argument");
  return v->as_string();
}

bool affix_match(const std::string& s, const Value* arg, bool prefix) {
  if (arg == nullptr) throw_type("startswith/endswith takes at least 1 argument");
  auto one = [&](const Value& a) {
    if (!a.is_string()) throw_type("startswith/endswith first arg must be str or a tuple of str");
    const auto& x = a.as_string();
    if (x.size() > s.size()) return false;
    return prefix ? s.compare(0, x.size(), x) == 0 : s.compare(s.size() - x.size(), x.size(), x) == 0;
  };
  if (arg->is_list()) {
    return std::any_of(arg->as_list().items.begin(), arg->as_list().items.end(), one);
  }
  return one(*arg);
}

Value to_list(std::vector<std::string> parts) {
  std::vector<Value> items;
  items.reserve(parts.size());
  for (auto& p : parts) items.emplace_back(std::move(p));
  return Value::list(std::move(items));
}

// str.format with {} / {0} / {name} fields; conversions and format specs other than none are ignored.
std::string py_format(const std::string& fmt, const CallArgs& args) {
  std::string out;
  std::size_t auto_index = 0;
  for (std::size_t i = 0; i < fmt.size(); ++i) {
    const char c = fmt[i];
    if (c == '}' ) {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') ++i;
      out += '}';
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    const std::size_t close = fmt.find('}', i);
    if (close == std::string::npos) throw_type("Single '{' encountered in format string");
    std::string field = fmt.substr(i + 1, close - i - 1);
    const auto colon = field.find_first_of(":!");
    if (colon != std::string::npos) field.resize(colon);
    const Value* v = nullptr;
    if (field.empty()) {
      v = auto_index < args.positional.size() ? &args.positional[auto_index] : nullptr;
      ++auto_index;
    } else if (std::all_of(field.begin(), field.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); })) {
      const auto k = static_cast<std::size_t>(std::stoul(field.substr(0, 9)));
      v = k < args.positional.size() ? &args.positional[k] : nullptr;
    } else {
      v = args.find_named(field);
    }
    if (v == nullptr) throw_type("Replacement index out of range for format string");
    append_str(out, *v);
    i = close;
  }
  return out;
}

Value string_method(Interpreter& in, const std::string& s, const std::string& name, CallArgs& a) {
  const Value* a0 = a.positional.empty() ? nullptr : &a.positional[0];
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    return Value(py_strip(s, opt_string(a.get(0, "chars"), name.c_str()), name != "rstrip", name != "lstrip"));
  }
  if (name == "split" || name == "rsplit") {
    return to_list(py_split(s, opt_string(a.get(0, "sep"), "split"), opt_long(a.get(1, "maxsplit"), -1), name == "rsplit"));
  }
  if (name == "splitlines") {
    const Value* keep = a.get(0, "keepends");
    return to_list(py_splitlines(s, keep != nullptr && keep->truthy()));
  }
  if (name == "startswith") return Value(affix_match(s, a0, true));
  if (name == "endswith") return Value(affix_match(s, a0, false));
  if (name == "upper") return Value(py_upper(s));
  if (name == "lower") return Value(py_lower(s));
  if (name == "title") return Value(py_title(s));
  if (name == "capitalize") return Value(py_capitalize(s));
  if (name == "replace") {
    const auto& old = need_string(a0, "replace");
    const auto& repl = need_string(a.get(1, "new"), "replace");
    const long count = opt_long(a.get(2, "count"), -1);
    if (old.empty()) in.check_string_size(s.size() * (repl.size() + 1) + repl.size());
    std::string r = py_replace(s, old, repl, count);
    in.check_string_size(r.size());
    return Value(std::move(r));
  }
  if (name == "format") {
    std::string r = py_format(s, a);
    in.check_string_size(r.size());
    return Value(std::move(r));
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex") {
    const auto& sub = need_string(a0, name.c_str());
    const auto pos = name[0] == 'r' ? s.rfind(sub) : s.find(sub);
    if (pos == std::string::npos) {
      if (name.find("index") != std::string::npos) throw_type("substring not found");
      return Value(std::int64_t{-1});
    }
    return Value(static_cast<std::int64_t>(utf8_length(std::string_view(s).substr(0, pos))));
  }
  if (name == "count") {
    const auto& sub = need_string(a0, "count");
    if (sub.empty()) return Value(static_cast<std::int64_t>(utf8_length(s) + 1));
    std::int64_t n = 0;
    for (std::size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size())) ++n;
    return Value(n);
  }
  if (name == "join") {
    std::string out;
    bool first = true;
    for (const auto& item : iterate(a0 != nullptr ? *a0 : Value::undefined())) {
      if (!item.is_string()) throw_type("sequence item: expected str instance, " + item.type_name() + " found");
      if (!first) out += s;
      first = false;
      out += item.as_string();
      in.check_string_size(out.size());
    }
    return Value(std::move(out));
  }
  auto all_chars = [&](auto pred) {
    return Value(!s.empty() && std::all_of(s.begin(), s.end(), [&](char c) { return pred(static_cast<unsigned char>(c)); }));
  };
  if (name == "isdigit" || name == "isnumeric" || name == "isdecimal") return all_chars([](unsigned char c) { return std::isdigit(c) != 0; });
  if (name == "isalpha") return all_chars([](unsigned char c) { return std::isalpha(c) != 0; });
  if (name == "isalnum") return all_chars([](unsigned char c) { return std::isalnum(c) != 0; });
  if (name == "isspace") return all_chars([](unsigned char c) { return is_py_space(static_cast<char>(c)); });
  if (name == "islower") return Value(std::any_of(s.begin(), s.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)) != 0; }) && py_lower(s) == s);
  if (name == "isupper") return Value(std::any_of(s.begin(), s.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }) && py_upper(s) == s);
  throw_type("'str' object has no attribute '" + name + "'");
}

Value list_method(Interpreter& in, const Value& self, const std::string& name, CallArgs& a) {
  auto& items = self.as_list().items;
  if (self.as_list().tuple && name != "index" && name != "count") {
    throw_type("'tuple' object has no attribute '" + name + "'");
  }
  if (name == "append") {
    if (a.positional.size() != 1) throw_type("append() takes exactly one argument");
    check_no_cycle(in, self, a.positional[0]);
    in.check_list_size(items.size() + 1);
    items.push_back(a.positional[0]);
    return Value(None{});
  }
  if (name == "pop") {
    if (items.empty()) throw_type("pop from empty list");
    std::int64_t idx = static_cast<std::int64_t>(items.size()) - 1;
    if (!a.positional.empty() && !to_int(a.positional[0], idx)) throw_type("pop index must be an integer");
    const auto n = static_cast<std::int64_t>(items.size());
    if (idx < 0) idx += n;
    if (idx < 0 || idx >= n) throw_type("pop index out of range");
    Value v = items[static_cast<std::size_t>(idx)];
    items.erase(items.begin() + idx);
    return v;
  }
  if (name == "index" || name == "count") {
    if (a.positional.empty()) throw_type(name + "() takes at least 1 argument");
    std::int64_t n = 0;
    for (std::size_t k = 0; k < items.size(); ++k) {
      if (!equals(items[k], a.positional[0])) continue;
      if (name == "index") return Value(static_cast<std::int64_t>(k));
      ++n;
    }
    if (name == "index") throw_type("value is not in list");
    return Value(n);
  }
  if (name == "copy") return Value::list(items);
  throw JinjaError(ErrorKind::kRuntime, "access to attribute '" + name + "' of 'list' object is unsafe.");
}

Value dict_method(const Value& self, const std::string& name, CallArgs& a) {
  const auto& d = self.as_dict();
  if (name == "items") {
    std::vector<Value> out;
    out.reserve(d.items.size());
    for (const auto& [k, v] : d.items) out.push_back(Value::tuple({Value(k), v}));
    return Value::list(std::move(out));
  }
  if (name == "keys" || name == "values") {
    std::vector<Value> out;
    out.reserve(d.items.size());
    for (const auto& [k, v] : d.items) out.push_back(name == "keys" ? Value(k) : v);
    return Value::list(std::move(out));
  }
  if (name == "get") {
    if (a.positional.empty()) throw_type("get expected at least 1 argument");
    const Value* dflt = a.get(1, "default");
    if (const Value* v = d.find(a.positional[0])) return *v;
    return dflt != nullptr ? *dflt : Value(None{});
  }
  if (name == "copy") {
    Value c = Value::dict();
    c.as_dict().items = d.items;
    return c;
  }
  throw JinjaError(ErrorKind::kRuntime, "access to attribute '" + name + "' of 'dict' object is unsafe.");
}

bool is_string_method(const std::string& n) {
  static const char* const kNames[] = {"strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith",
                                       "endswith", "upper", "lower", "title", "capitalize", "replace", "format",
                                       "find", "rfind", "index", "rindex", "count", "join", "isdigit", "isnumeric",
                                       "isdecimal", "isalpha", "isalnum", "isspace", "islower", "isupper"};
  return std::find(std::begin(kNames), std::end(kNames), n) != std::end(kNames);
}

bool is_list_method(const std::string& n) {
  return n == "append" || n == "pop" || n == "index" || n == "count" || n == "copy" || n == "extend" ||
         n == "insert" || n == "remove" || n == "clear" || n == "sort" || n == "reverse";
}

bool is_dict_method(const std::string& n) {
  return n == "items" || n == "keys" || n == "values" || n == "get" || n == "copy" || n == "pop" ||
         n == "update" || n == "setdefault" || n == "clear" || n == "popitem";
}

}  // namespace

Value bind_method(const Value& obj, const std::string& name) {
  if (obj.is_string() && is_string_method(name)) {
    return Value::callable(name, [obj, name](Interpreter& in, CallArgs& a) { return string_method(in, obj.as_string(), name, a); });
  }
  if (obj.is_list() && !obj.as_list().generator && is_list_method(name)) {
    return Value::callable(name, [obj, name](Interpreter& in, CallArgs& a) { return list_method(in, obj, name, a); });
  }
  if (obj.is_mapping() && is_dict_method(name)) {
    return Value::callable(name, [obj, name](Interpreter&, CallArgs& a) { return dict_method(obj, name, a); });
  }
  return Value::undefined();
}

}  // namespace sovra::chat::jinja
