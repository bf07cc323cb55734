#include "engine/sampling/grammar/json_schema.hpp"

#include <boost/json/serialize.hpp>

#include <array>
#include <cmath>
#include <utility>

#include "engine/sampling/grammar/schema_compiler.hpp"

namespace sovra::sampling::grammar {

namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 21> kSupported = {"type",
                                                         "properties",
                                                         "required",
                                                         "additionalProperties",
                                                         "items",
                                                         "minItems",
                                                         "maxItems",
                                                         "enum",
                                                         "const",
                                                         "anyOf",
                                                         "$ref",
                                                         "$defs",
                                                         "definitions",
                                                         "format",
                                                         "minLength",
                                                         "maxLength",
                                                         "minimum",
                                                         "maximum",
                                                         "exclusiveMinimum",
                                                         "exclusiveMaximum",
                                                         "pattern"};
constexpr std::array<std::string_view, 10> kAnnotations = {
    "description", "title", "default", "examples", "$schema", "$id", "$comment", "deprecated", "readOnly", "writeOnly"};
constexpr std::array<std::string_view, 7> kTypes = {"object",  "array",   "string", "number",
                                                    "integer", "boolean", "null"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& list, std::string_view s) {
  for (const std::string_view x : list) {
    if (x == s) return true;
  }
  return false;
}

bool matches_type(const json::value& v, std::string_view type) {
  if (type == "string") return v.is_string();
  if (type == "number") return v.is_number();
  if (type == "integer") {
    if (v.is_int64() || v.is_uint64()) return true;
    return v.is_double() && std::isfinite(v.get_double()) && std::trunc(v.get_double()) == v.get_double();
  }
  if (type == "boolean") return v.is_bool();
  if (type == "null") return v.is_null();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  return false;
}

// The JSON-pointer segment `token` unescaped (~1 is '/', ~0 is '~').
std::string unescape_pointer(std::string_view token) {
  std::string out;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

const json::value* resolve_pointer(const json::value& root, std::string_view pointer) {
  const json::value* at = &root;
  while (!pointer.empty()) {
    if (pointer[0] != '/') return nullptr;
    pointer.remove_prefix(1);
    const std::size_t end = pointer.find('/');
    const std::string token = unescape_pointer(pointer.substr(0, end));
    pointer = end == std::string_view::npos ? std::string_view{} : pointer.substr(end);
    if (at->is_object()) {
      at = at->as_object().if_contains(token);
    } else if (at->is_array()) {
      if (token.empty() || token.size() > 9 || token.find_first_not_of("0123456789") != std::string::npos) {
        return nullptr;
      }
      const std::size_t index = std::stoul(token);
      at = index < at->as_array().size() ? &at->as_array()[index] : nullptr;
    } else {
      return nullptr;
    }
    if (at == nullptr) return nullptr;
  }
  return at;
}

}  // namespace

std::string rule_name(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  std::string name;
  for (const char c : slash == std::string::npos ? std::string_view{} : std::string_view(path).substr(slash + 1)) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (name.size() < 32) name += word ? c : '-';
  }
  return name.empty() ? "root" : name;
}

Error SchemaCompiler::error(const std::string& path, const std::string& what) {
  return Error::invalid("json_schema: " + what + " at " + path, "response_format");
}

Error SchemaCompiler::unsupported(const std::string& path, std::string_view keyword, const std::string& why) {
  return error(path, "'" + std::string(keyword) + "' " + why);
}

Status SchemaCompiler::check_keywords(const json::object& o, const std::string& path) const {
  if (!options_.strict) return {};
  for (const auto& kv : o) {
    const std::string_view key = kv.key();
    if (!one_of(kSupported, key) && !one_of(kAnnotations, key)) {
      return unsupported(path, key, "is not supported in strict mode");
    }
  }
  return {};
}

Result<RuleId> SchemaCompiler::compile(const json::value& schema, const std::string& path, int depth) {
  if (depth > kMaxSchemaDepth)
    return error(path, "the schema nests deeper than " + std::to_string(kMaxSchemaDepth) + " levels");
  if (builder_.rule_count() > kMaxSchemaRules) return error(path, "the schema is too large to compile");
  if (schema.is_bool()) {
    if (schema.get_bool()) return terms_.any_value();
    return error(path, "the schema 'false' admits no value");
  }
  if (!schema.is_object()) return error(path, "a schema must be an object or a boolean");
  const json::object& o = schema.get_object();
  SOVRA_CHECK(check_keywords(o, path));

  if (const json::value* ref = o.if_contains("$ref")) return compile_ref(*ref, path, depth);
  if (const json::value* any = o.if_contains("anyOf")) {
    if (options_.strict) {
      for (const std::string_view k : {"type", "properties", "items", "enum", "const"}) {
        if (o.contains(k)) return unsupported(path, k, "cannot be combined with 'anyOf' in strict mode");
      }
    }
    return compile_any_of(*any, path + "/anyOf", depth);
  }
  if (!options_.strict) {
    if (const json::value* one = o.if_contains("oneOf")) return compile_any_of(*one, path + "/oneOf", depth);
    if (const json::value* all = o.if_contains("allOf"); all && all->is_array() && all->as_array().size() == 1) {
      return compile(all->as_array()[0], path + "/allOf/0", depth + 1);
    }
  }

  std::vector<std::string_view> types;
  if (const json::value* t = o.if_contains("type")) {
    if (t->is_string()) {
      types.push_back(t->get_string());
    } else if (t->is_array() && !t->as_array().empty()) {
      for (const json::value& v : t->as_array()) {
        if (!v.is_string()) return error(path + "/type", "'type' must be a string or a list of strings");
        types.push_back(v.get_string());
      }
    } else {
      return error(path + "/type", "'type' must be a string or a non-empty list of strings");
    }
    for (const std::string_view name : types) {
      if (!one_of(kTypes, name)) return error(path + "/type", "unknown type '" + std::string(name) + "'");
    }
  }

  if (const json::value* c = o.if_contains("const")) {
    if (!types.empty() &&
        std::none_of(types.begin(), types.end(), [&](std::string_view t) { return matches_type(*c, t); })) {
      return error(path + "/const", "'const' does not match 'type'");
    }
    return compile_literals({c}, path);
  }
  if (const json::value* e = o.if_contains("enum")) {
    if (!e->is_array() || e->as_array().empty()) return error(path + "/enum", "'enum' must be a non-empty list");
    std::vector<const json::value*> values;
    for (const json::value& v : e->as_array()) {
      if (types.empty() ||
          std::any_of(types.begin(), types.end(), [&](std::string_view t) { return matches_type(v, t); })) {
        values.push_back(&v);
      }
    }
    if (values.empty()) return error(path + "/enum", "no value of 'enum' matches 'type'");
    return compile_literals(values, path);
  }

  if (types.empty()) {
    const auto has = [&](std::initializer_list<std::string_view> keys) {
      return std::any_of(keys.begin(), keys.end(), [&](std::string_view k) { return o.contains(k); });
    };
    if (has({"properties", "required", "additionalProperties"})) {
      types.push_back("object");
    } else if (has({"items", "minItems", "maxItems"})) {
      types.push_back("array");
    } else if (has({"format", "minLength", "maxLength", "pattern"})) {
      types.push_back("string");
    } else if (has({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})) {
      types.push_back("number");
    } else {
      return terms_.any_value();
    }
  }
  if (types.size() == 1) return compile_type(o, types[0], path, depth);
  std::vector<Sequence> alts;
  for (const std::string_view t : types) {
    SOVRA_TRY(const RuleId r, compile_type(o, t, path, depth));
    alts.push_back({ref(r)});
  }
  return builder_.add(rule_name(path), std::move(alts));
}

Result<RuleId> SchemaCompiler::compile_type(const json::object& o, std::string_view type, const std::string& path,
                                            int depth) {
  if (type == "object") return compile_object(o, path, depth);
  if (type == "array") return compile_array(o, path, depth);
  if (type == "string") return compile_string(o, path);
  if (type == "number") return compile_number(o, path, false);
  if (type == "integer") return compile_number(o, path, true);
  if (type == "boolean") return terms_.boolean();
  return terms_.null();
}

Result<RuleId> SchemaCompiler::compile_ref(const json::value& ref_value, const std::string& path, int depth) {
  if (!ref_value.is_string()) return error(path + "/$ref", "'$ref' must be a string");
  const std::string ref(ref_value.get_string());
  if (ref.empty() || ref[0] != '#') {
    return error(path + "/$ref",
                 "'$ref' must point into this schema ('#' or '#/$defs/…'), got '" + ref.substr(0, 64) + "'");
  }
  if (auto it = refs_.find(ref); it != refs_.end()) return it->second;
  const json::value* target = resolve_pointer(root_, std::string_view(ref).substr(1));
  if (target == nullptr) return error(path + "/$ref", "'$ref' '" + ref.substr(0, 64) + "' points to nothing");
  const RuleId rule = builder_.declare(rule_name(ref));
  refs_.emplace(ref, rule);
  SOVRA_TRY(const RuleId inner, compile(*target, ref, depth + 1));
  builder_.define(rule, {{grammar::ref(inner)}});
  return rule;
}

Result<RuleId> SchemaCompiler::compile_any_of(const json::value& list, const std::string& path, int depth) {
  if (!list.is_array() || list.as_array().empty()) return error(path, "must be a non-empty list of schemas");
  std::vector<Sequence> alts;
  const json::array& a = list.as_array();
  for (std::size_t i = 0; i < a.size(); ++i) {
    SOVRA_TRY(const RuleId r, compile(a[i], path + "/" + std::to_string(i), depth + 1));
    alts.push_back({ref(r)});
  }
  return builder_.add(rule_name(path), std::move(alts));
}

Result<RuleId> SchemaCompiler::compile_literals(const std::vector<const json::value*>& values,
                                                const std::string& path) {
  std::vector<Sequence> alts;
  for (const json::value* v : values) alts.push_back({lit(json::serialize(*v))});
  return builder_.add(rule_name(path) + "-literal", std::move(alts));
}

Result<Grammar> SchemaCompiler::finish(RuleId root) && {
  RuleId values = root;
  if (options_.max_values > 1) {
    const Sequence separator = options_.separator.empty() ? Sequence{} : Sequence{lit(options_.separator)};
    values = builder_.repeat("values", {ref(root)}, 1, options_.max_values, separator);
  }
  if (options_.prefix.empty() && options_.suffix.empty()) return std::move(builder_).build(values);
  const RuleId framed = builder_.add("framed", {{lit(options_.prefix), ref(values), lit(options_.suffix)}});
  return std::move(builder_).build(framed);
}

Result<std::shared_ptr<const Grammar>> compile_json_schema(const json::value& schema,
                                                           const JsonSchemaOptions& options) {
  SchemaCompiler compiler(schema, options);
  SOVRA_TRY(const RuleId root, compiler.compile(schema, "#", 0));
  auto grammar = std::move(compiler).finish(root);
  if (!grammar) return SchemaCompiler::error("#", grammar.error().message);
  return std::make_shared<const Grammar>(std::move(grammar).value());
}

Result<std::shared_ptr<const Grammar>> json_object_grammar() {
  GrammarBuilder builder;
  JsonTerminals terms(builder);
  const RuleId root = terms.any_object();
  SOVRA_TRY(Grammar g, std::move(builder).build(root));
  return std::make_shared<const Grammar>(std::move(g));
}

}  // namespace sovra::sampling::grammar
