#pragma once
// Typed access to the fields of one JSON object of a request, with OpenAI's error messages and `param` paths
// ("messages[2].content"). A field that is absent or JSON null reads as absent, as OpenAI treats optional nulls.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace sovra::api::openai {

// "a string", "an integer", "a decimal", "a boolean", "an object", "an array", "null": for error messages.
const char* json_kind(const boost::json::value& v);

// The error OpenAI returns for a field of the wrong type.
Error type_error(std::string_view param, std::string_view expected, const boost::json::value& got);

class Fields {
 public:
  // `path` is the param path of the object itself ("" for the request body).
  Fields(const boost::json::object& object, std::string path) : object_(object), path_(std::move(path)) {}

  // The param path of a key of this object.
  std::string param(std::string_view key) const;
  // The value of `key`, or nullptr when absent or null.
  const boost::json::value* find(std::string_view key) const;

  Result<std::optional<std::string_view>> string(std::string_view key) const;
  Result<std::string_view> required_string(std::string_view key) const;
  Result<std::optional<bool>> boolean(std::string_view key) const;
  // A JSON number in [min, max]; integers are accepted as decimals.
  Result<std::optional<double>> number(std::string_view key, double min, double max) const;
  // A JSON integer in [min, max] (a decimal with no fraction, like 2.0, is accepted as OpenAI does).
  Result<std::optional<std::int64_t>> integer(std::string_view key, std::int64_t min, std::int64_t max) const;
  // nullptr when absent or null.
  Result<const boost::json::object*> object(std::string_view key) const;
  Result<const boost::json::array*> array(std::string_view key) const;

 private:
  const boost::json::object& object_;
  std::string path_;
};

// Integer value of a JSON number if it has no fraction and fits in int64.
std::optional<std::int64_t> as_integer(const boost::json::value& v);

// A non-empty array of token ids (non-negative int32) at `path` (e.g. "prompt[2]", "input"); errors name the
// element at fault.
Result<std::vector<std::int32_t>> parse_token_ids(const boost::json::array& ids, const std::string& path);

}  // namespace sovra::api::openai
