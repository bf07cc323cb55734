#include "support/openapi_schema.hpp"

#include <fmt/format.h>
#include <boost/json/serialize.hpp>

#include <fstream>
#include <sstream>

#include "common/json.hpp"

namespace sovra::testing {
namespace {

bool has_type(const boost::json::value& v, std::string_view type) {
  if (type == "null") return v.is_null();
  if (type == "boolean") return v.is_bool();
  if (type == "string") return v.is_string();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "number") return v.is_number();
  if (type == "integer") {
    if (v.is_int64() || v.is_uint64()) return true;
    return v.is_double() && v.get_double() == static_cast<double>(static_cast<std::int64_t>(v.get_double()));
  }
  return true;  // unknown type names do not constrain
}

}  // namespace

std::unique_ptr<OpenApiSchemas> OpenApiSchemas::load(const std::string& path, std::string* why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *why = fmt::format("{} is absent", path);
    return nullptr;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto doc = parse_json(buffer.str(), {.max_depth = 512});
  if (!doc) {
    *why = fmt::format("{}: {}", path, doc.error().message);
    return nullptr;
  }
  return std::unique_ptr<OpenApiSchemas>(new OpenApiSchemas(std::move(*doc)));
}

const boost::json::value* OpenApiSchemas::resolve(std::string_view ref) const {
  constexpr std::string_view kPrefix = "#/";
  if (ref.substr(0, kPrefix.size()) != kPrefix) return nullptr;
  const boost::json::value* node = &document_;
  std::string_view rest = ref.substr(kPrefix.size());
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    if (!node->is_object()) return nullptr;
    node = node->get_object().if_contains(part);
    if (node == nullptr) return nullptr;
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  }
  return node;
}

std::vector<std::string> OpenApiSchemas::validate(const boost::json::value& value, std::string_view component) const {
  std::vector<std::string> errors;
  const boost::json::value* schema = resolve(fmt::format("#/components/schemas/{}", component));
  if (schema == nullptr) return {fmt::format("no component schema named {}", component)};
  check(value, *schema, "$", errors, 0);
  return errors;
}

void OpenApiSchemas::check(const boost::json::value& v, const boost::json::value& schema_value, const std::string& path,
                           std::vector<std::string>& errors, int depth) const {
  if (depth > 200) {
    errors.push_back(path + ": schema nesting too deep");
    return;
  }
  if (schema_value.is_bool()) {
    if (!schema_value.get_bool()) errors.push_back(path + ": not allowed here");
    return;
  }
  if (!schema_value.is_object()) return;
  const boost::json::object& s = schema_value.get_object();

  // OpenAPI 3.0 style `nullable` next to a $ref widens the referenced schema to null.
  const bool nullable = s.contains("nullable") && s.at("nullable").is_bool() && s.at("nullable").get_bool();
  if (v.is_null() && nullable) return;
  if (const auto* ref = s.if_contains("$ref"); ref != nullptr && ref->is_string()) {
    const boost::json::value* target = resolve(ref->get_string());
    if (target == nullptr) {
      errors.push_back(fmt::format("{}: unresolved $ref {}", path, std::string_view(ref->get_string())));
      return;
    }
    check(v, *target, path, errors, depth + 1);
  }

  if (const auto* type = s.if_contains("type")) {
    bool ok = false;
    if (type->is_string()) {
      ok = has_type(v, type->get_string());
    } else if (type->is_array()) {
      for (const auto& t : type->get_array()) ok = ok || (t.is_string() && has_type(v, t.get_string()));
    } else {
      ok = true;
    }
    if (!ok) {
      errors.push_back(fmt::format("{}: expected type {}, got {}", path, boost::json::serialize(*type),
                                   boost::json::serialize(v).substr(0, 80)));
      return;
    }
  }
  if (const auto* e = s.if_contains("enum"); e != nullptr && e->is_array()) {
    bool found = false;
    for (const auto& option : e->get_array()) found = found || option == v;
    if (!found && !(v.is_null() && nullable)) {
      errors.push_back(fmt::format("{}: {} not in enum {}", path, boost::json::serialize(v).substr(0, 80),
                                   boost::json::serialize(*e).substr(0, 200)));
    }
  }
  if (const auto* c = s.if_contains("const"); c != nullptr && *c != v) {
    errors.push_back(fmt::format("{}: expected const {}", path, boost::json::serialize(*c)));
  }
  if (v.is_object()) {
    const boost::json::object& o = v.get_object();
    if (const auto* req = s.if_contains("required"); req != nullptr && req->is_array()) {
      for (const auto& key : req->get_array()) {
        if (key.is_string() && !o.contains(key.get_string())) {
          errors.push_back(fmt::format("{}: missing required property '{}'", path, std::string_view(key.get_string())));
        }
      }
    }
    const boost::json::object* props = nullptr;
    if (const auto* p = s.if_contains("properties"); p != nullptr && p->is_object()) props = &p->get_object();
    const boost::json::value* additional = s.if_contains("additionalProperties");
    for (const auto& [key, child] : o) {
      const std::string child_path = fmt::format("{}.{}", path, std::string_view(key));
      if (props != nullptr) {
        if (const auto* ps = props->if_contains(key)) {
          check(child, *ps, child_path, errors, depth + 1);
          continue;
        }
      }
      if (additional != nullptr) check(child, *additional, child_path, errors, depth + 1);
    }
  }
  if (v.is_array()) {
    const boost::json::array& a = v.get_array();
    if (const auto* items = s.if_contains("items")) {
      for (std::size_t i = 0; i < a.size(); ++i) check(a[i], *items, fmt::format("{}[{}]", path, i), errors, depth + 1);
    }
    if (const auto* m = s.if_contains("minItems");
        m != nullptr && m->is_number() && a.size() < m->to_number<double>()) {
      errors.push_back(path + ": too few items");
    }
    if (const auto* m = s.if_contains("maxItems");
        m != nullptr && m->is_number() && a.size() > m->to_number<double>()) {
      errors.push_back(path + ": too many items");
    }
  }
  if (v.is_number()) {
    const double d = v.to_number<double>();
    if (const auto* m = s.if_contains("minimum"); m != nullptr && m->is_number() && d < m->to_number<double>()) {
      errors.push_back(path + ": below minimum");
    }
    if (const auto* m = s.if_contains("maximum"); m != nullptr && m->is_number() && d > m->to_number<double>()) {
      errors.push_back(path + ": above maximum");
    }
  }
  if (const auto* all = s.if_contains("allOf"); all != nullptr && all->is_array()) {
    for (const auto& sub : all->get_array()) check(v, sub, path, errors, depth + 1);
  }
  for (const char* key : {"anyOf", "oneOf"}) {
    const auto* any = s.if_contains(key);
    if (any == nullptr || !any->is_array()) continue;
    bool matched = false;
    std::vector<std::string> first_errors;
    for (const auto& sub : any->get_array()) {
      std::vector<std::string> sub_errors;
      check(v, sub, path, sub_errors, depth + 1);
      if (sub_errors.empty()) {
        matched = true;
        break;
      }
      if (first_errors.empty() || sub_errors.size() < first_errors.size()) first_errors = std::move(sub_errors);
    }
    if (!matched) {
      errors.push_back(fmt::format("{}: matches none of {} ({} alternatives); closest: {}", path, key,
                                   any->get_array().size(), first_errors.empty() ? "" : first_errors.front()));
    }
  }
}

}  // namespace sovra::testing
