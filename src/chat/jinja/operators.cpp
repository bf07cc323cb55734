// Binary operators with Python's semantics (jinja2 evaluates them with Python operators).
#include <cmath>
#include <unordered_set>

#include "chat/jinja/builtins.hpp"
#include "chat/jinja/error.hpp"
#include "chat/jinja/interpreter.hpp"
#include "chat/jinja/py_text.hpp"
#include "chat/jinja/str_util.hpp"

namespace sovra::chat::jinja {
namespace {

constexpr int kMaxCompareDepth = 128;

bool is_integral(const Value& v) { return v.is_int() || v.is_bool(); }
std::int64_t int_of(const Value& v) { return v.is_bool() ? std::int64_t{v.as_bool()} : v.as_int(); }

[[noreturn]] void unsupported(const std::string& op, const Value& a, const Value& b) {
  throw_type("unsupported operand type(s) for " + op + ": '" + a.type_name() + "' and '" + b.type_name() + "'");
}

Value repeat(Interpreter& in, const Value& seq, std::int64_t n) {
  if (n < 0) n = 0;
  if (seq.is_string()) {
    const auto& s = seq.as_string();
    in.check_string_size(s.size() * static_cast<std::size_t>(std::min<std::int64_t>(n, INT32_MAX)));
    std::string out;
    out.reserve(s.size() * static_cast<std::size_t>(n));
    for (std::int64_t k = 0; k < n; ++k) out += s;
    return Value(std::move(out));
  }
  const auto& items = seq.as_list().items;
  in.check_list_size(items.size() * static_cast<std::size_t>(std::min<std::int64_t>(n, INT32_MAX)));
  std::vector<Value> out;
  for (std::int64_t k = 0; k < n; ++k) out.insert(out.end(), items.begin(), items.end());
  return Value::list(std::move(out));
}

Value arithmetic(const std::string& op, const Value& a, const Value& b) {
  if (is_integral(a) && is_integral(b)) {
    const std::int64_t x = int_of(a);
    const std::int64_t y = int_of(b);
    std::int64_t r = 0;
    if (op == "+") {
      if (!__builtin_add_overflow(x, y, &r)) return Value(r);
      return Value(static_cast<double>(x) + static_cast<double>(y));
    }
    if (op == "-") {
      if (!__builtin_sub_overflow(x, y, &r)) return Value(r);
      return Value(static_cast<double>(x) - static_cast<double>(y));
    }
    if (op == "*") {
      if (!__builtin_mul_overflow(x, y, &r)) return Value(r);
      return Value(static_cast<double>(x) * static_cast<double>(y));
    }
    if (op == "/") {
      if (y == 0) throw_type("division by zero");
      return Value(static_cast<double>(x) / static_cast<double>(y));
    }
    if (op == "//" || op == "%") {
      if (y == 0) throw_type(op == "//" ? "integer division or modulo by zero" : "integer modulo by zero");
      if (x == INT64_MIN && y == -1) return op == "//" ? Value(-static_cast<double>(x)) : Value(std::int64_t{0});
      std::int64_t q = x / y;
      std::int64_t m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {
        --q;
        m += y;
      }
      return op == "//" ? Value(q) : Value(m);
    }
    if (op == "**") {
      if (y < 0) return Value(std::pow(static_cast<double>(x), static_cast<double>(y)));
      std::int64_t result = 1;
      std::int64_t base = x;
      std::int64_t e = y;
      bool overflow = false;
      while (e > 0 && !overflow) {
        if (e & 1) overflow = __builtin_mul_overflow(result, base, &result);
        e >>= 1;
        if (e > 0 && !overflow) overflow = __builtin_mul_overflow(base, base, &base);
      }
      if (overflow) return Value(std::pow(static_cast<double>(x), static_cast<double>(y)));
      return Value(result);
    }
  }
  const double x = a.to_double();
  const double y = b.to_double();
  if (op == "+") return Value(x + y);
  if (op == "-") return Value(x - y);
  if (op == "*") return Value(x * y);
  if (op == "/") {
    if (y == 0) throw_type("float division by zero");
    return Value(x / y);
  }
  if (op == "//" || op == "%") {
    if (y == 0) throw_type("float divmod()");
    double m = std::fmod(x, y);
    if (m != 0 && ((m < 0) != (y < 0))) m += y;
    if (op == "%") return Value(m);
    const double div = (x - m) / y;  // CPython's float floor division
    double floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
    return Value(floordiv);
  }
  if (op == "**") return Value(std::pow(x, y));
  unsupported(op, a, b);
}

// Python's `str % args` for the conversions templates use: %s %r %d %i %f %% (with optional width/precision).
Value percent_format(const std::string& fmt, const Value& args) {
  std::vector<Value> values = args.is_list() ? args.as_list().items : std::vector<Value>{args};
  std::size_t next = 0;
  std::string out;
  for (std::size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    std::size_t j = i + 1;
    std::string spec;
    while (j < fmt.size() && (std::isdigit(static_cast<unsigned char>(fmt[j])) || fmt[j] == '.' || fmt[j] == '-')) {
      spec += fmt[j++];
    }
    if (j >= fmt.size()) throw_type("incomplete format");
    const char conv = fmt[j];
    i = j;
    if (conv == '%') {
      out += '%';
      continue;
    }
    if (next >= values.size()) throw_type("not enough arguments for format string");
    const Value& v = values[next++];
    std::string piece;
    if (conv == 's') {
      piece = to_str(v);
    } else if (conv == 'r') {
      append_repr(piece, v);
    } else if (conv == 'd' || conv == 'i') {
      std::int64_t n = 0;
      if (!to_int(v, n)) throw_type("%d format: a number is required, not " + v.type_name());
      piece = std::to_string(n);
    } else if (conv == 'f') {
      if (!v.is_number()) throw_type("must be real number, not " + v.type_name());
      const auto dot = spec.find('.');
      const int prec = dot == std::string::npos ? 6 : std::atoi(spec.c_str() + dot + 1);
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.*f", std::clamp(prec, 0, 30), v.to_double());
      piece = buf;
    } else {
      throw_type(std::string("unsupported format character '") + conv + "'");
    }
    const int width = std::atoi(spec.c_str());
    const bool left = !spec.empty() && spec[0] == '-';
    const bool zero = !spec.empty() && spec[0] == '0' && conv != 's' && conv != 'r';
    const auto w = static_cast<std::size_t>(std::clamp(std::abs(width), 0, 1000));
    if (piece.size() < w) {
      const std::size_t pad = w - piece.size();
      if (left) piece += std::string(pad, ' ');
      else if (zero && !piece.empty() && piece[0] == '-') piece = "-" + std::string(pad, '0') + piece.substr(1);
      else piece = std::string(pad, zero ? '0' : ' ') + piece;
    }
    out += piece;
  }
  if (next < values.size() && args.is_list()) throw_type("not all arguments converted during string formatting");
  return Value(std::move(out));
}

int compare_depth(const Value& a, const Value& b, bool case_sensitive, int depth) {
  if (depth > kMaxCompareDepth) Interpreter::limit_error("values nested too deeply to compare");
  if (a.is_number() && b.is_number()) {
    if (is_integral(a) && is_integral(b)) return int_of(a) < int_of(b) ? -1 : int_of(a) > int_of(b) ? 1 : 0;
    const double x = a.to_double();
    const double y = b.to_double();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_string() && b.is_string()) {
    if (case_sensitive) return a.as_string().compare(b.as_string()) < 0 ? -1 : a.as_string() == b.as_string() ? 0 : 1;
    std::string x = a.as_string();
    std::string y = b.as_string();
    for (auto& c : x) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (auto& c : y) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_list() && b.is_list()) {
    const auto& x = a.as_list().items;
    const auto& y = b.as_list().items;
    for (std::size_t k = 0; k < x.size() && k < y.size(); ++k) {
      if (equals(x[k], y[k])) continue;
      return compare_depth(x[k], y[k], case_sensitive, depth + 1);
    }
    return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  }
  if (a.is_undefined()) throw_undefined(a.undefined_hint());
  if (b.is_undefined()) throw_undefined(b.undefined_hint());
  throw_type("'<' not supported between instances of '" + a.type_name() + "' and '" + b.type_name() + "'");
}

bool reaches(Interpreter& in, const Value& from, const void* target, std::unordered_set<const void*>& seen, int depth) {
  if (depth > 10000) Interpreter::limit_error("value nested too deeply");
  const void* self = nullptr;
  if (from.is_list()) self = &from.as_list();
  else if (from.is_dict()) self = &from.as_dict();
  else return false;
  if (self == target) return true;
  if (!seen.insert(self).second) return false;
  in.step();
  if (from.is_list()) {
    for (const auto& v : from.as_list().items) {
      if (reaches(in, v, target, seen, depth + 1)) return true;
    }
  } else {
    for (const auto& kv : from.as_dict().items) {
      if (reaches(in, kv.second, target, seen, depth + 1)) return true;
    }
  }
  return false;
}

}  // namespace

bool to_int(const Value& v, std::int64_t& out) {
  if (v.is_int()) out = v.as_int();
  else if (v.is_bool()) out = v.as_bool() ? 1 : 0;
  else if (v.is_float() && std::isfinite(v.as_float()) && std::fabs(v.as_float()) < 9.2e18) out = static_cast<std::int64_t>(v.as_float());
  else return false;
  return true;
}

int compare_values(const Value& a, const Value& b, bool case_sensitive) {
  return compare_depth(a, b, case_sensitive, 0);
}

void check_no_cycle(Interpreter& in, const Value& container, const Value& added) {
  const void* target = container.is_list() ? static_cast<const void*>(&container.as_list())
                                           : static_cast<const void*>(&container.as_dict());
  std::unordered_set<const void*> seen;
  if (reaches(in, added, target, seen, 0)) {
    throw JinjaError(ErrorKind::kRuntime, "a value cannot contain itself");
  }
}

Value binary_op(Interpreter& in, const std::string& op, const Value& a, const Value& b) {
  if (op == "~") {
    std::string s = to_str(a);
    append_str(s, b);
    in.check_string_size(s.size());
    return Value(std::move(s));
  }
  if (op == "==") return Value(equals(a, b));
  if (op == "!=") return Value(!equals(a, b));
  if (op == "<" || op == "<=" || op == ">" || op == ">=") {
    const int c = compare_values(a, b);
    if (op == "<") return Value(c < 0);
    if (op == "<=") return Value(c <= 0);
    if (op == ">") return Value(c > 0);
    return Value(c >= 0);
  }
  if (op == "in" || op == "not in") {
    bool found = false;
    if (b.is_string()) {
      if (!a.is_string()) throw_type("'in <string>' requires string as left operand, not " + a.type_name());
      found = b.as_string().find(a.as_string()) != std::string::npos;
    } else if (b.is_list()) {
      for (const auto& item : b.as_list().items) {
        if (equals(a, item)) {
          found = true;
          break;
        }
      }
    } else if (b.is_dict()) {
      if (b.as_dict().is_namespace) throw_type("argument of type 'Namespace' is not iterable");
      found = b.as_dict().find(a) != nullptr;
    } else if (!b.is_undefined()) {
      throw_type("argument of type '" + b.type_name() + "' is not iterable");
    }
    return Value(op == "in" ? found : !found);
  }
  if (a.is_undefined()) throw_undefined(a.undefined_hint());
  if (b.is_undefined()) throw_undefined(b.undefined_hint());
  if (op == "+") {
    if (a.is_string() && b.is_string()) {
      in.check_string_size(a.as_string().size() + b.as_string().size());
      if (a.is_markup() != b.is_markup()) {  // markupsafe: the plain operand is escaped
        return Value::markup(a.is_markup() ? a.as_string() + html_escape(b.as_string())
                                           : html_escape(a.as_string()) + b.as_string());
      }
      Value sum(a.as_string() + b.as_string());
      return a.is_markup() ? Value::markup(sum.as_string()) : sum;
    }
    if (a.is_list() && b.is_list() && !a.as_list().generator && !b.as_list().generator) {
      in.check_list_size(a.as_list().items.size() + b.as_list().items.size());
      std::vector<Value> items = a.as_list().items;
      items.insert(items.end(), b.as_list().items.begin(), b.as_list().items.end());
      return Value::list(std::move(items));
    }
    if (a.is_string()) throw_type("can only concatenate str (not \"" + b.type_name() + "\") to str");
    if (a.is_list()) throw_type("can only concatenate list (not \"" + b.type_name() + "\") to list");
  }
  if (op == "*") {
    if ((a.is_string() || a.is_list()) && is_integral(b)) return repeat(in, a, int_of(b));
    if ((b.is_string() || b.is_list()) && is_integral(a)) return repeat(in, b, int_of(a));
  }
  if (op == "%" && a.is_string()) {
    Value r = percent_format(a.as_string(), b);
    in.check_string_size(r.as_string().size());
    return r;
  }
  if (a.is_number() && b.is_number()) return arithmetic(op, a, b);
  unsupported(op, a, b);
}

}  // namespace sovra::chat::jinja
