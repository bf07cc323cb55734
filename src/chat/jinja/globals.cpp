// Global functions: jinja2's range/namespace/dict and the two Hugging Face adds, raise_exception and
// strftime_now.
#include <algorithm>
#include <cmath>
#include <ctime>

#include "chat/jinja/builtins.hpp"
#include "chat/jinja/error.hpp"
#include "chat/jinja/interpreter.hpp"
#include "chat/jinja/py_text.hpp"

namespace sovra::chat::jinja {
namespace {

Value range_fn(Interpreter& in, CallArgs& a) {
  std::int64_t p[3] = {0, 0, 1};
  if (a.positional.empty() || a.positional.size() > 3) throw_type("range expected 1 to 3 arguments");
  for (std::size_t k = 0; k < a.positional.size(); ++k) {
    if (!(a.positional[k].is_int() || a.positional[k].is_bool()) || !to_int(a.positional[k], p[k])) {
      throw_type("'" + a.positional[k].type_name() + "' object cannot be interpreted as an integer");
    }
  }
  std::int64_t start = 0;
  std::int64_t stop = p[0];
  std::int64_t step = 1;
  if (a.positional.size() >= 2) {
    start = p[0];
    stop = p[1];
  }
  if (a.positional.size() == 3) step = p[2];
  if (step == 0) throw_type("range() arg 3 must not be zero");
  const double count = step > 0 ? std::max(0.0, std::ceil((static_cast<double>(stop) - static_cast<double>(start)) / static_cast<double>(step)))
                                : std::max(0.0, std::ceil((static_cast<double>(start) - static_cast<double>(stop)) / static_cast<double>(-step)));
  if (count > static_cast<double>(in.options().limits.max_list_items)) {
    Interpreter::limit_error("range() is larger than the list size limit");
  }
  std::vector<Value> out;
  out.reserve(static_cast<std::size_t>(count));
  for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.emplace_back(i);
  return Value::list(std::move(out));
}

Value namespace_fn(Interpreter&, CallArgs& a) {
  Value ns = Value::dict();
  ns.as_dict().is_namespace = true;
  for (const auto& p : a.positional) {
    if (!p.is_mapping()) throw_type("namespace() positional argument must be a mapping");
    for (const auto& [k, v] : p.as_dict().items) ns.as_dict().set(k, v);
  }
  for (const auto& [k, v] : a.named) ns.as_dict().set(k, v);
  return ns;
}

Value dict_fn(Interpreter&, CallArgs& a) {
  Value d = Value::dict();
  for (const auto& p : a.positional) {
    if (!p.is_mapping()) throw_type("dict() positional argument must be a mapping");
    for (const auto& [k, v] : p.as_dict().items) d.as_dict().set(k, v);
  }
  for (const auto& [k, v] : a.named) d.as_dict().set(k, v);
  return d;
}

Value raise_fn(Interpreter&, CallArgs& a) {
  throw JinjaError(ErrorKind::kRaised, a.positional.empty() ? std::string() : to_str(a.positional[0]));
}

Value strftime_fn(Interpreter& in, CallArgs& a) {
  if (a.positional.empty() || !a.positional[0].is_string()) throw_type("strftime_now expects a format string");
  const std::string& fmt = a.positional[0].as_string();
  if (fmt.size() > 256) throw_type("strftime_now format too long");
  std::time_t t = in.options().now_unix_seconds >= 0 ? static_cast<std::time_t>(in.options().now_unix_seconds)
                                                      : std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[1024];
  const std::size_t n = fmt.empty() ? 0 : std::strftime(buf, sizeof buf, fmt.c_str(), &tm);
  return Value(std::string(buf, n));
}

}  // namespace

Value global_function(const std::string& name) {
  if (name == "range") return Value::callable(name, range_fn);
  if (name == "namespace") return Value::callable(name, namespace_fn);
  if (name == "dict") return Value::callable(name, dict_fn);
  if (name == "raise_exception") return Value::callable(name, raise_fn);
  if (name == "strftime_now") return Value::callable(name, strftime_fn);
  return Value::undefined();
}

}  // namespace sovra::chat::jinja
