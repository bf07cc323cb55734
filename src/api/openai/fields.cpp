#include "api/openai/fields.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>

namespace sovra::api::openai {

const char* json_kind(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
      return "an integer";
    case boost::json::kind::double_:
      return "a decimal";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "a value";
}

Error type_error(std::string_view param, std::string_view expected, const boost::json::value& got) {
  return Error::invalid(
      fmt::format("Invalid type for '{}': expected {}, but got {} instead.", param, expected, json_kind(got)),
      std::string(param));
}

std::optional<std::int64_t> as_integer(const boost::json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    const double d = v.get_double();
    // 2^63 is not representable as int64; every double below it in magnitude with no fraction is.
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.2233720368547758e18) {
      return static_cast<std::int64_t>(d);
    }
  }
  return std::nullopt;
}

std::string Fields::param(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return fmt::format("{}.{}", path_, key);
}

const boost::json::value* Fields::find(std::string_view key) const {
  const boost::json::value* v = object_.if_contains(key);
  if (v == nullptr || v->is_null()) return nullptr;
  return v;
}

Result<std::optional<std::string_view>> Fields::string(std::string_view key) const {
  const boost::json::value* v = find(key);
  if (v == nullptr) return std::optional<std::string_view>{};
  if (!v->is_string()) return fail(type_error(param(key), "a string", *v));
  const boost::json::string& s = v->get_string();
  return std::optional<std::string_view>{std::string_view(s.data(), s.size())};
}

Result<std::string_view> Fields::required_string(std::string_view key) const {
  SOVRA_TRY(auto s, string(key));
  if (!s) return fail(Error::invalid(fmt::format("Missing required parameter: '{}'.", param(key)), param(key)));
  return *s;
}

Result<std::optional<bool>> Fields::boolean(std::string_view key) const {
  const boost::json::value* v = find(key);
  if (v == nullptr) return std::optional<bool>{};
  if (!v->is_bool()) return fail(type_error(param(key), "a boolean", *v));
  return std::optional<bool>{v->get_bool()};
}

Result<std::optional<double>> Fields::number(std::string_view key, double min, double max) const {
  const boost::json::value* v = find(key);
  if (v == nullptr) return std::optional<double>{};
  if (!v->is_number()) return fail(type_error(param(key), "a decimal", *v));
  const double d = v->to_number<double>();
  if (d < min) {
    return fail(Error::invalid(fmt::format("Invalid '{}': decimal below minimum value. Expected a value >= {}, but "
                                           "got {} instead.",
                                           param(key), min, d),
                               param(key)));
  }
  if (d > max) {
    return fail(Error::invalid(fmt::format("Invalid '{}': decimal above maximum value. Expected a value <= {}, but "
                                           "got {} instead.",
                                           param(key), max, d),
                               param(key)));
  }
  return std::optional<double>{d};
}

Result<std::optional<std::int64_t>> Fields::integer(std::string_view key, std::int64_t min, std::int64_t max) const {
  const boost::json::value* v = find(key);
  if (v == nullptr) return std::optional<std::int64_t>{};
  const std::optional<std::int64_t> i = as_integer(*v);
  if (!i) {
    if (v->is_number()) {
      return fail(Error::invalid(
          fmt::format("Invalid '{}': expected an integer, but got a decimal or out-of-range number instead.",
                      param(key)),
          param(key)));
    }
    return fail(type_error(param(key), "an integer", *v));
  }
  if (*i < min) {
    return fail(Error::invalid(fmt::format("Invalid '{}': integer below minimum value. Expected a value >= {}, but "
                                           "got {} instead.",
                                           param(key), min, *i),
                               param(key)));
  }
  if (*i > max) {
    return fail(Error::invalid(fmt::format("Invalid '{}': integer above maximum value. Expected a value <= {}, but "
                                           "got {} instead.",
                                           param(key), max, *i),
                               param(key)));
  }
  return i;
}

Result<const boost::json::object*> Fields::object(std::string_view key) const {
  const boost::json::value* v = find(key);
  if (v == nullptr) return static_cast<const boost::json::object*>(nullptr);
  if (!v->is_object()) return fail(type_error(param(key), "an object", *v));
  return &v->get_object();
}

Result<const boost::json::array*> Fields::array(std::string_view key) const {
  const boost::json::value* v = find(key);
  if (v == nullptr) return static_cast<const boost::json::array*>(nullptr);
  if (!v->is_array()) return fail(type_error(param(key), "an array", *v));
  return &v->get_array();
}

Result<std::vector<std::int32_t>> parse_token_ids(const boost::json::array& ids, const std::string& path) {
  std::vector<std::int32_t> out;
  out.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto id = as_integer(ids[i]);
    if (!id || *id < 0 || *id > INT32_MAX) {
      return fail(Error::invalid(fmt::format("Invalid '{}[{}]': a token id must be a non-negative integer.", path, i),
                                 fmt::format("{}[{}]", path, i)));
    }
    out.push_back(static_cast<std::int32_t>(*id));
  }
  if (out.empty()) return fail(Error::invalid(fmt::format("Invalid '{}': empty token array.", path), path));
  return out;
}

}  // namespace sovra::api::openai
