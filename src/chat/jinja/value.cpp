#include "chat/jinja/value.hpp"

#include <boost/json/value.hpp>

#include "chat/jinja/error.hpp"

namespace sovra::chat::jinja {
namespace {

constexpr int kMaxRecursiveFree = 32;
thread_local int t_free_depth = 0;
thread_local std::vector<Value>* t_deferred = nullptr;

// Frees `values`; beyond kMaxRecursiveFree nested containers the children are handed to the outermost call,
// which frees them one by one.
template <typename Take>
void release(std::size_t n, Take take) {
  if (t_free_depth >= kMaxRecursiveFree && t_deferred != nullptr) {
    for (std::size_t i = 0; i < n; ++i) t_deferred->push_back(take(i));
    return;
  }
  ++t_free_depth;
  std::vector<Value> deferred;
  const bool owner = t_deferred == nullptr;
  if (owner) t_deferred = &deferred;
  for (std::size_t i = 0; i < n; ++i) {
    Value v = take(i);  // destroyed here, possibly deferring its own children
  }
  if (owner) {
    while (!deferred.empty()) {
      Value v = std::move(deferred.back());
      deferred.pop_back();
    }
    t_deferred = nullptr;
  }
  --t_free_depth;
}

}  // namespace

ListObj::~ListObj() {
  release(items.size(), [this](std::size_t i) { return std::move(items[i]); });
}

DictObj::~DictObj() {
  release(items.size(), [this](std::size_t i) { return std::move(items[i].second); });
}


const Value* DictObj::find(std::string_view key) const {
  for (const auto& [k, v] : items) {
    if (k.is_string() && k.as_string() == key) return &v;
  }
  return nullptr;
}

Value* DictObj::find(std::string_view key) {
  for (auto& [k, v] : items) {
    if (k.is_string() && k.as_string() == key) return &v;
  }
  return nullptr;
}

const Value* DictObj::find(const Value& key) const {
  if (key.is_string()) return find(std::string_view(key.as_string()));
  for (const auto& [k, v] : items) {
    if (!k.is_string() && equals(k, key)) return &v;
  }
  return nullptr;
}

void DictObj::set(std::string key, Value v) { set(Value(std::move(key)), std::move(v)); }

void DictObj::set(const char* key, Value v) { set(Value(key), std::move(v)); }

void DictObj::set(Value key, Value v) {
  for (auto& [k, old] : items) {
    if (equals(k, key)) {
      old = std::move(v);
      return;
    }
  }
  items.emplace_back(std::move(key), std::move(v));
}

const Value* CallArgs::find_named(std::string_view name) const {
  for (const auto& [k, v] : named) {
    if (k == name) return &v;
  }
  return nullptr;
}

const Value* CallArgs::get(std::size_t index, std::string_view name) const {
  if (index < positional.size()) return &positional[index];
  return find_named(name);
}

Value Value::list(std::vector<Value> items, bool generator) {
  auto l = std::make_shared<ListObj>();
  l->items = std::move(items);
  l->generator = generator;
  return Value(std::move(l));
}

Value Value::tuple(std::vector<Value> items) {
  Value v = list(std::move(items));
  v.as_list().tuple = true;
  return v;
}

Value Value::dict() { return Value(std::make_shared<DictObj>()); }

Value Value::callable(std::string name, std::function<Value(Interpreter&, CallArgs&)> fn) {
  return Value(std::make_shared<Callable>(Callable{std::move(name), std::move(fn)}));
}

double Value::to_double() const {
  switch (kind()) {
    case Kind::kInt: return static_cast<double>(as_int());
    case Kind::kFloat: return as_float();
    case Kind::kBool: return as_bool() ? 1.0 : 0.0;
    default: return 0.0;
  }
}

bool Value::truthy() const {
  switch (kind()) {
    case Kind::kUndefined:
    case Kind::kNone: return false;
    case Kind::kBool: return as_bool();
    case Kind::kInt: return as_int() != 0;
    case Kind::kFloat: return as_float() != 0.0;
    case Kind::kString: return !as_string().empty();
    case Kind::kList: return as_list().generator || !as_list().items.empty();
    case Kind::kDict: return as_dict().is_namespace || !as_dict().items.empty();
    case Kind::kCallable: return true;
  }
  return false;
}

std::string Value::type_name() const {
  switch (kind()) {
    case Kind::kUndefined: return "Undefined";
    case Kind::kNone: return "NoneType";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return "str";
    case Kind::kList: return as_list().generator ? "generator" : as_list().tuple ? "tuple" : "list";
    case Kind::kDict: return as_dict().is_namespace ? "Namespace" : "dict";
    case Kind::kCallable: return "function";
  }
  return "object";
}

namespace {

constexpr int kMaxEqualsDepth = 256;

bool equals_depth(const Value& a, const Value& b, int depth);

}  // namespace

bool equals(const Value& a, const Value& b) { return equals_depth(a, b, 0); }

namespace {

bool equals_depth(const Value& a, const Value& b, int depth) {
  if (depth > kMaxEqualsDepth) throw JinjaError(ErrorKind::kLimit, "values nested too deeply to compare");
  if (a.is_number() && b.is_number()) {
    if ((a.is_int() || a.is_bool()) && (b.is_int() || b.is_bool())) {
      const auto ai = a.is_bool() ? std::int64_t{a.as_bool()} : a.as_int();
      const auto bi = b.is_bool() ? std::int64_t{b.as_bool()} : b.as_int();
      return ai == bi;
    }
    return a.to_double() == b.to_double();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::kUndefined:
    case Kind::kNone: return true;
    case Kind::kString: return a.as_string() == b.as_string();
    case Kind::kList: {
      if (a.list_ptr() == b.list_ptr()) return true;
      const auto& x = a.as_list().items;
      const auto& y = b.as_list().items;
      if (a.as_list().generator || b.as_list().generator || a.as_list().tuple != b.as_list().tuple ||
          x.size() != y.size()) {
        return false;
      }
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!equals_depth(x[i], y[i], depth + 1)) return false;
      }
      return true;
    }
    case Kind::kDict: {
      if (a.dict_ptr() == b.dict_ptr()) return true;
      const auto& x = a.as_dict();
      const auto& y = b.as_dict();
      if (x.is_namespace || y.is_namespace || x.items.size() != y.items.size()) return false;
      for (const auto& [k, v] : x.items) {
        const Value* other = y.find(k);
        if (other == nullptr || !equals_depth(v, *other, depth + 1)) return false;
      }
      return true;
    }
    case Kind::kCallable: return &a.as_callable() == &b.as_callable();
    default: return false;
  }
}

}  // namespace

Value from_json(const boost::json::value& json) {
  switch (json.kind()) {
    case boost::json::kind::null: return Value(None{});
    case boost::json::kind::bool_: return Value(json.get_bool());
    case boost::json::kind::int64: return Value(json.get_int64());
    case boost::json::kind::uint64: {
      const auto u = json.get_uint64();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
      return Value(static_cast<std::int64_t>(u));
    }
    case boost::json::kind::double_: return Value(json.get_double());
    case boost::json::kind::string: return Value(std::string_view(json.get_string()));
    case boost::json::kind::array: {
      std::vector<Value> items;
      items.reserve(json.get_array().size());
      for (const auto& e : json.get_array()) items.push_back(from_json(e));
      return Value::list(std::move(items));
    }
    case boost::json::kind::object: {
      Value d = Value::dict();
      for (const auto& kv : json.get_object()) {
        d.as_dict().items.emplace_back(Value(std::string_view(kv.key())), from_json(kv.value()));
      }
      return d;
    }
  }
  return Value(None{});
}

}  // namespace sovra::chat::jinja
