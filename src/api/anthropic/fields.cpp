#include "api/anthropic/fields.hpp"

#include <fmt/format.h>

#include <cmath>

#include "api/openai/fields.hpp"

namespace sovra::api::anthropic {
namespace {

// A JSON number as a double (never throws; the caller checked is_number()).
double as_double(const boost::json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  return static_cast<double>(v.get_uint64());
}

}  // namespace

Error field_error(std::string_view path, std::string_view message) {
  if (path.empty()) return Error::invalid(std::string(message));
  return Error::invalid(fmt::format("{}: {}", path, message), std::string(path));
}

Error kind_error(std::string_view path, std::string_view expected) {
  return field_error(path, fmt::format("Input should be a valid {}", expected));
}

std::string join_path(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return fmt::format("{}.{}", path, key);
}

std::string join_path(std::string_view path, std::size_t index) {
  if (path.empty()) return std::to_string(index);
  return fmt::format("{}.{}", path, index);
}

const boost::json::value* Fields::find(std::string_view key) const {
  const boost::json::value* v = object_.if_contains(key);
  if (v == nullptr || v->is_null()) return nullptr;
  return v;
}

Result<std::optional<std::string_view>> Fields::string(std::string_view key) const {
  const boost::json::value* v = find(key);
  if (v == nullptr) return std::optional<std::string_view>{};
  if (!v->is_string()) return fail(kind_error(param(key), "string"));
  const boost::json::string& s = v->get_string();
  return std::optional<std::string_view>{std::string_view(s.data(), s.size())};
}

Result<std::string_view> Fields::required_string(std::string_view key) const {
  SOVRA_TRY(auto s, string(key));
  if (!s) return fail(field_error(param(key), "Field required"));
  return *s;
}

Result<std::optional<bool>> Fields::boolean(std::string_view key) const {
  const boost::json::value* v = find(key);
  if (v == nullptr) return std::optional<bool>{};
  if (!v->is_bool()) return fail(kind_error(param(key), "boolean"));
  return std::optional<bool>{v->get_bool()};
}

Result<std::optional<double>> Fields::number(std::string_view key, double min, double max) const {
  const boost::json::value* v = find(key);
  if (v == nullptr) return std::optional<double>{};
  if (!v->is_number()) return fail(kind_error(param(key), "number"));
  const double d = as_double(*v);
  if (!(d >= min))
    return fail(field_error(param(key), fmt::format("Input should be greater than or equal to {}", min)));
  if (!(d <= max)) return fail(field_error(param(key), fmt::format("Input should be less than or equal to {}", max)));
  return std::optional<double>{d};
}

Result<std::optional<std::int64_t>> Fields::integer(std::string_view key, std::int64_t min, std::int64_t max) const {
  const boost::json::value* v = find(key);
  if (v == nullptr) return std::optional<std::int64_t>{};
  if (!v->is_number()) return fail(kind_error(param(key), "integer"));
  const auto i = openai::as_integer(*v);
  if (!i) {
    const double d = as_double(*v);
    if (!std::isfinite(d) || std::floor(d) != d)
      return fail(field_error(param(key), "Input should be a valid integer, got a number with a fractional part"));
    // A whole number beyond int64: out of range on its side.
    if (d < 0) {
      return fail(field_error(param(key), fmt::format("Input should be greater than or equal to {}", min)));
    }
    return fail(field_error(param(key), fmt::format("Input should be less than or equal to {}", max)));
  }
  if (*i < min) return fail(field_error(param(key), fmt::format("Input should be greater than or equal to {}", min)));
  if (*i > max) return fail(field_error(param(key), fmt::format("Input should be less than or equal to {}", max)));
  return std::optional<std::int64_t>{*i};
}

Result<const boost::json::object*> Fields::object(std::string_view key) const {
  const boost::json::value* v = find(key);
  if (v == nullptr) return static_cast<const boost::json::object*>(nullptr);
  if (!v->is_object()) return fail(kind_error(param(key), "dictionary"));
  return &v->get_object();
}

Result<const boost::json::array*> Fields::array(std::string_view key) const {
  const boost::json::value* v = find(key);
  if (v == nullptr) return static_cast<const boost::json::array*>(nullptr);
  if (!v->is_array()) return fail(kind_error(param(key), "list"));
  return &v->get_array();
}

}  // namespace sovra::api::anthropic
