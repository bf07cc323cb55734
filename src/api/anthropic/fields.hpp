#pragma once
// Typed access to the fields of one JSON object of an Anthropic request, with Anthropic's (pydantic's) error
// wording and dotted paths: "messages.1.content.0.text: Input should be a valid string". An absent field and JSON
// null both read as absent.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace sovra::api::anthropic {

// A 400 invalid_request_error "path: message" with `param` = path.
Error field_error(std::string_view path, std::string_view message);
// The error for a value of the wrong kind: `expected` is "string", "integer", "number", "boolean", "dictionary",
// "list".
Error kind_error(std::string_view path, std::string_view expected);

std::string join_path(std::string_view path, std::string_view key);
std::string join_path(std::string_view path, std::size_t index);

class Fields {
 public:
  Fields(const boost::json::object& object, std::string path) : object_(object), path_(std::move(path)) {}

  std::string param(std::string_view key) const { return join_path(path_, key); }
  const std::string& path() const { return path_; }
  // nullptr when absent or null.
  const boost::json::value* find(std::string_view key) const;

  Result<std::optional<std::string_view>> string(std::string_view key) const;
  Result<std::string_view> required_string(std::string_view key) const;
  Result<std::optional<bool>> boolean(std::string_view key) const;
  Result<std::optional<double>> number(std::string_view key, double min, double max) const;
  Result<std::optional<std::int64_t>> integer(std::string_view key, std::int64_t min, std::int64_t max) const;
  Result<const boost::json::object*> object(std::string_view key) const;  // nullptr when absent
  Result<const boost::json::array*> array(std::string_view key) const;    // nullptr when absent

 private:
  const boost::json::object& object_;
  std::string path_;
};

}  // namespace sovra::api::anthropic
