// The rules for each JSON type of a schema: object, array, string, number/integer (see json_schema.hpp).
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <utility>

#include "engine/sampling/grammar/regex.hpp"
#include "engine/sampling/grammar/schema_compiler.hpp"

namespace sovra::sampling::grammar {

namespace json = boost::json;

namespace {

// A bound as a double; nullopt when absent. Non-numbers are an error.
Result<std::optional<double>> number_field(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::optional<double>{};
  if (!v->is_number())
    return SchemaCompiler::error(path + "/" + std::string(key), "'" + std::string(key) + "' must be a number");
  return std::optional<double>{v->to_number<double>()};
}

constexpr double kMaxExactBound = 1e15;  // bounds beyond this are not converted to integers

}  // namespace

Result<std::pair<std::uint32_t, std::uint32_t>> SchemaCompiler::count_bounds(const json::object& o,
                                                                             const std::string& path,
                                                                             std::string_view min_key,
                                                                             std::string_view max_key) {
  const auto read = [&](std::string_view key) -> Result<std::optional<std::uint64_t>> {
    const json::value* v = o.if_contains(key);
    if (v == nullptr) return std::optional<std::uint64_t>{};
    if (v->is_uint64()) return std::optional<std::uint64_t>{v->get_uint64()};
    if (v->is_int64() && v->get_int64() >= 0)
      return std::optional<std::uint64_t>{static_cast<std::uint64_t>(v->get_int64())};
    return error(path + "/" + std::string(key), "'" + std::string(key) + "' must be a non-negative integer");
  };
  SOVRA_TRY(const std::optional<std::uint64_t> min, read(min_key));
  SOVRA_TRY(const std::optional<std::uint64_t> max, read(max_key));
  const std::uint64_t lo = min.value_or(0);
  if (max && *max < lo)
    return error(path, "'" + std::string(max_key) + "' is below '" + std::string(min_key) + "': nothing matches");
  if (lo > kMaxBoundedRepeat) {
    return unsupported(path, min_key, "above " + std::to_string(kMaxBoundedRepeat) + " is not supported");
  }
  std::uint32_t hi = kUnbounded;
  if (max) {
    if (*max - lo <= kMaxBoundedRepeat) {
      hi = static_cast<std::uint32_t>(*max);
    } else if (options_.strict) {
      return unsupported(path, max_key,
                         "more than " + std::to_string(kMaxBoundedRepeat) + " above '" + std::string(min_key) +
                             "' is not supported in strict mode");
    }
  }
  return std::pair{static_cast<std::uint32_t>(lo), hi};
}

Result<RuleId> SchemaCompiler::compile_object(const json::object& o, const std::string& path, int depth) {
  const json::value* props_value = o.if_contains("properties");
  if (props_value != nullptr && !props_value->is_object())
    return error(path + "/properties", "'properties' must be an object");
  const json::object empty;
  const json::object& props = props_value != nullptr ? props_value->get_object() : empty;
  std::set<std::string, std::less<>> required;
  if (const json::value* r = o.if_contains("required")) {
    if (!r->is_array()) return error(path + "/required", "'required' must be a list of property names");
    for (const json::value& name : r->as_array()) {
      if (!name.is_string()) return error(path + "/required", "'required' must be a list of property names");
      if (!props.contains(name.get_string())) {
        return error(path + "/required",
                     "required property '" + std::string(name.get_string()) + "' is not in 'properties'");
      }
      required.emplace(name.get_string());
    }
  }
  const json::value* additional = o.if_contains("additionalProperties");
  const bool closed = additional != nullptr && additional->is_bool() && !additional->get_bool();
  if (options_.strict) {
    if (!closed) return unsupported(path, "additionalProperties", "must be false in strict mode");
    for (const auto& kv : props) {
      if (!required.contains(kv.key())) {
        return error(path + "/properties/" + std::string(kv.key()),
                     "strict mode needs every property in 'required' (make it optional with a type like "
                     "[\"string\", \"null\"])");
      }
    }
  }
  if (props.empty()) {
    if (closed || options_.strict) return builder_.add(rule_name(path), {{lit("{}")}});
    return terms_.any_object();
  }

  // Members in declared order. first[i]: members i.. with none written yet; rest[i]: the same after one was.
  struct Member {
    RuleId rule;
    bool required;
  };
  std::vector<Member> members;
  for (const auto& kv : props) {
    const std::string member_path = path + "/properties/" + std::string(kv.key());
    SOVRA_TRY(const RuleId value, compile(kv.value(), member_path, depth + 1));
    Sequence seq{lit(json::serialize(json::string(kv.key())))};
    for (Item& i : terms_.colon()) seq.push_back(std::move(i));
    seq.push_back(ref(value));
    members.push_back({builder_.add(rule_name(member_path) + "-kv", {std::move(seq)}), required.contains(kv.key())});
  }
  RuleId first = builder_.add("members-end", {{}});
  RuleId rest = first;
  for (std::size_t i = members.size(); i-- > 0;) {
    Sequence with_comma = terms_.comma();
    with_comma.push_back(ref(members[i].rule));
    with_comma.push_back(ref(rest));
    std::vector<Sequence> rest_alts{std::move(with_comma)};
    std::vector<Sequence> first_alts{{ref(members[i].rule), ref(rest)}};
    if (!members[i].required) {
      rest_alts.push_back({ref(rest)});
      first_alts.push_back({ref(first)});
    }
    const RuleId new_rest = builder_.add("members-rest", std::move(rest_alts));
    first = builder_.add("members", std::move(first_alts));
    rest = new_rest;
  }
  return builder_.add(rule_name(path), {{lit("{"), ref(first), lit("}")}});
}

Result<RuleId> SchemaCompiler::compile_array(const json::object& o, const std::string& path, int depth) {
  const json::value* items = o.if_contains("items");
  RuleId item = 0;
  if (items == nullptr) {
    if (options_.strict) return unsupported(path, "items", "is required for arrays in strict mode");
    item = terms_.any_value();
  } else if (items->is_array()) {
    return unsupported(path, "items", "as a list (tuple validation) is not supported");
  } else {
    SOVRA_TRY(item, compile(*items, path + "/items", depth + 1));
  }
  SOVRA_TRY(const auto bounds, count_bounds(o, path, "minItems", "maxItems"));
  const RuleId list =
      builder_.repeat(rule_name(path) + "-items", {ref(item)}, bounds.first, bounds.second, terms_.comma());
  return builder_.add(rule_name(path), {{lit("["), ref(list), lit("]")}});
}

Result<RuleId> SchemaCompiler::compile_string(const json::object& o, const std::string& path) {
  if (const json::value* p = o.if_contains("pattern")) {
    if (!p->is_string()) return error(path + "/pattern", "'pattern' must be a string");
    const bool combined = o.contains("format") || o.contains("minLength") || o.contains("maxLength");
    if (combined && options_.strict) {
      return unsupported(path, "pattern",
                         "cannot be combined with 'format', 'minLength' or 'maxLength' in strict mode");
    }
    if (!combined) {
      auto body = compile_pattern(builder_, terms_, p->get_string());
      if (body) return builder_.add(rule_name(path) + "-pattern", {{lit("\""), ref(*body), lit("\"")}});
      if (options_.strict) return unsupported(path, "pattern", "is not supported here: " + body.error().message);
    }
  }
  if (const json::value* f = o.if_contains("format")) {
    if (!f->is_string()) return error(path + "/format", "'format' must be a string");
    if (auto rule = terms_.string_format(f->get_string())) {
      if (options_.strict && (o.contains("minLength") || o.contains("maxLength"))) {
        return unsupported(path, "minLength", "cannot be combined with 'format' in strict mode");
      }
      return *rule;
    }
    if (options_.strict) {
      return unsupported(path, "format",
                         "'" + std::string(f->get_string()).substr(0, 64) +
                             "' is not supported (supported: date, time, date-time, uuid, email, ipv4)");
    }
  }
  SOVRA_TRY(const auto bounds, count_bounds(o, path, "minLength", "maxLength"));
  return terms_.string_length(bounds.first, bounds.second);
}

Result<RuleId> SchemaCompiler::compile_number(const json::object& o, const std::string& path, bool integer) {
  SOVRA_TRY(const std::optional<double> minimum, number_field(o, "minimum", path));
  SOVRA_TRY(const std::optional<double> maximum, number_field(o, "maximum", path));
  SOVRA_TRY(const std::optional<double> ex_minimum, number_field(o, "exclusiveMinimum", path));
  SOVRA_TRY(const std::optional<double> ex_maximum, number_field(o, "exclusiveMaximum", path));
  if (!minimum && !maximum && !ex_minimum && !ex_maximum) return integer ? terms_.integer() : terms_.number();
  const auto not_enforceable = [&]() -> Result<RuleId> {
    if (!options_.strict) return integer ? terms_.integer() : terms_.number();
    return unsupported(
        path,
        minimum || ex_minimum ? (minimum ? "minimum" : "exclusiveMinimum") : (maximum ? "maximum" : "exclusiveMaximum"),
        "cannot be enforced here in strict mode (supported: integer ranges of at most 1001 values, "
        "number ranges with integer bounds 0 <= minimum, maximum - minimum <= 1000, and a lone "
        "minimum <= 0)");
  };
  const auto in_range = [](double v) { return std::isfinite(v) && std::fabs(v) <= kMaxExactBound; };

  if (integer) {
    std::optional<std::int64_t> lo;
    std::optional<std::int64_t> hi;
    const auto raise = [&](std::int64_t v) { lo = lo ? std::max(*lo, v) : v; };
    const auto lower = [&](std::int64_t v) { hi = hi ? std::min(*hi, v) : v; };
    for (const auto& [bound, exclusive, is_min] : {std::tuple{minimum, false, true},
                                                   {ex_minimum, true, true},
                                                   {maximum, false, false},
                                                   {ex_maximum, true, false}}) {
      if (!bound) continue;
      if (!in_range(*bound)) return not_enforceable();
      if (is_min) {
        raise(static_cast<std::int64_t>(exclusive ? std::floor(*bound) + 1 : std::ceil(*bound)));
      } else {
        lower(static_cast<std::int64_t>(exclusive ? std::ceil(*bound) - 1 : std::floor(*bound)));
      }
    }
    if (lo && hi && *lo > *hi) return error(path, "the bounds admit no integer");
    if (lo && hi && *hi - *lo <= kMaxEnumeratedRange) {
      std::vector<Sequence> alts;
      for (std::int64_t v = *lo; v <= *hi; ++v) alts.push_back({lit(std::to_string(v))});
      return builder_.add(rule_name(path) + "-range", std::move(alts));
    }
    if (lo && !hi && *lo <= 0) return terms_.non_negative_integer();
    return not_enforceable();
  }

  if (!maximum && !ex_maximum && !ex_minimum && minimum && *minimum <= 0) return terms_.non_negative_number();
  if (!maximum && !ex_maximum && !minimum && ex_minimum && *ex_minimum < 0) return terms_.non_negative_number();
  if (minimum && maximum && !ex_minimum && !ex_maximum && in_range(*minimum) && in_range(*maximum) &&
      std::trunc(*minimum) == *minimum && std::trunc(*maximum) == *maximum && *minimum >= 0 &&
      *maximum - *minimum <= static_cast<double>(kMaxEnumeratedRange)) {
    const auto lo = static_cast<std::int64_t>(*minimum);
    const auto hi = static_cast<std::int64_t>(*maximum);
    if (lo > hi) return error(path, "'maximum' is below 'minimum': nothing matches");
    // lo <= I.F < hi for I in [lo, hi - 1]; hi itself only without a fraction.
    const RuleId frac = builder_.add("opt-fraction", {{ref(terms_.fraction())}, {}});
    std::vector<Sequence> alts;
    for (std::int64_t v = lo; v < hi; ++v) alts.push_back({lit(std::to_string(v)), ref(frac)});
    alts.push_back({lit(std::to_string(hi))});
    return builder_.add(rule_name(path) + "-range", std::move(alts));
  }
  return not_enforceable();
}

}  // namespace sovra::sampling::grammar
