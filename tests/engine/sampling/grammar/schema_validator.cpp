#include "schema_validator.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <regex>

namespace sovra::sampling::grammar::testing {

namespace json = boost::json;

namespace {

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

bool format_ok(std::string_view format, const std::string& s) {
  static const std::regex date(R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))");
  static const std::regex time(R"(([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d))");
  static const std::regex uuid(R"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})");
  static const std::regex email(
      R"([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]+(-[A-Za-z0-9]+)*(\.[A-Za-z0-9]+(-[A-Za-z0-9]+)*)+)");
  static const std::regex ipv4(R"(((25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d))");
  if (format == "date") return std::regex_match(s, date);
  if (format == "time") return std::regex_match(s, time);
  if (format == "date-time") {
    const std::size_t t = s.find('T');
    return t != std::string::npos && format_ok("date", s.substr(0, t)) && format_ok("time", s.substr(t + 1));
  }
  if (format == "uuid") return std::regex_match(s, uuid);
  if (format == "email") return std::regex_match(s, email);
  if (format == "ipv4") return std::regex_match(s, ipv4);
  return true;
}

bool type_ok(const json::value& v, std::string_view type) {
  if (type == "string") return v.is_string();
  if (type == "number") return v.is_number();
  if (type == "integer") {
    return v.is_int64() || v.is_uint64() || (v.is_double() && std::trunc(v.get_double()) == v.get_double());
  }
  if (type == "boolean") return v.is_bool();
  if (type == "null") return v.is_null();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  return false;
}

const json::value* resolve(const json::value& root, std::string_view ref) {
  if (ref == "#") return &root;
  const json::value* at = &root;
  std::string_view rest = ref.substr(1);
  while (!rest.empty() && at != nullptr) {
    rest.remove_prefix(1);
    const std::size_t end = rest.find('/');
    const std::string key(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
    at = at->is_object() ? at->as_object().if_contains(key) : nullptr;
  }
  return at;
}

class Validator {
 public:
  explicit Validator(const json::value& root) : root_(root) {}

  std::string check(const json::value& v, const json::value& schema, const std::string& at) const {
    if (schema.is_bool()) return schema.get_bool() ? "" : at + ": schema false";
    const json::object& s = schema.as_object();
    if (const auto* ref = s.if_contains("$ref")) {
      const json::value* target = resolve(root_, ref->as_string());
      if (target == nullptr) return at + ": unresolved $ref";
      return check(v, *target, at);
    }
    if (const auto* any = s.if_contains("anyOf")) {
      for (const json::value& sub : any->as_array()) {
        if (check(v, sub, at).empty()) return "";
      }
      return at + ": matches no anyOf branch";
    }
    if (const auto* c = s.if_contains("const"); c && *c != v) return at + ": not the const";
    if (const auto* e = s.if_contains("enum")) {
      const auto& list = e->as_array();
      if (std::find(list.begin(), list.end(), v) == list.end()) return at + ": not in enum";
    }
    if (const auto* t = s.if_contains("type")) {
      bool ok = false;
      if (t->is_string()) {
        ok = type_ok(v, t->as_string());
      } else {
        for (const json::value& name : t->as_array()) ok |= type_ok(v, name.as_string());
      }
      if (!ok) return at + ": wrong type";
    }
    if (v.is_object()) return check_object(v.as_object(), s, at);
    if (v.is_array()) {
      const auto& a = v.as_array();
      if (const auto* m = s.if_contains("minItems"); m && a.size() < m->to_number<std::size_t>())
        return at + ": too few items";
      if (const auto* m = s.if_contains("maxItems"); m && a.size() > m->to_number<std::size_t>())
        return at + ": too many items";
      if (const auto* items = s.if_contains("items")) {
        for (std::size_t i = 0; i < a.size(); ++i) {
          std::string r = check(a[i], *items, at + "/" + std::to_string(i));
          if (!r.empty()) return r;
        }
      }
      return "";
    }
    if (v.is_string()) {
      const std::string str(v.as_string());
      const std::size_t n = code_points(str);
      if (const auto* m = s.if_contains("minLength"); m && n < m->to_number<std::size_t>()) return at + ": too short";
      if (const auto* m = s.if_contains("maxLength"); m && n > m->to_number<std::size_t>()) return at + ": too long";
      if (const auto* f = s.if_contains("format"); f && !format_ok(f->as_string(), str)) return at + ": bad format";
      if (const auto* p = s.if_contains("pattern")) {
        if (!std::regex_search(str, std::regex(std::string(p->as_string()), std::regex::ECMAScript))) {
          return at + ": does not match the pattern";
        }
      }
      return "";
    }
    if (v.is_number()) {
      const double x = v.to_number<double>();
      if (const auto* m = s.if_contains("minimum"); m && x < m->to_number<double>()) return at + ": below minimum";
      if (const auto* m = s.if_contains("maximum"); m && x > m->to_number<double>()) return at + ": above maximum";
      if (const auto* m = s.if_contains("exclusiveMinimum"); m && x <= m->to_number<double>())
        return at + ": below exclusiveMinimum";
      if (const auto* m = s.if_contains("exclusiveMaximum"); m && x >= m->to_number<double>())
        return at + ": above exclusiveMaximum";
    }
    return "";
  }

 private:
  std::string check_object(const json::object& o, const json::object& s, const std::string& at) const {
    const json::object empty;
    const json::object& props = s.contains("properties") ? s.at("properties").as_object() : empty;
    if (const auto* r = s.if_contains("required")) {
      for (const json::value& name : r->as_array()) {
        if (!o.contains(name.as_string())) return at + ": missing " + std::string(name.as_string());
      }
    }
    const json::value* additional = s.if_contains("additionalProperties");
    for (const auto& kv : o) {
      if (const json::value* p = props.if_contains(kv.key())) {
        std::string r = check(kv.value(), *p, at + "/" + std::string(kv.key()));
        if (!r.empty()) return r;
      } else if (additional != nullptr && additional->is_bool() && !additional->get_bool()) {
        return at + ": extra property " + std::string(kv.key());
      }
    }
    return "";
  }

  const json::value& root_;
};

}  // namespace

std::string validate(const json::value& value, const json::value& schema) {
  return Validator(schema).check(value, schema, "#");
}

}  // namespace sovra::sampling::grammar::testing
