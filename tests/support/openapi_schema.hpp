#pragma once
// Validates JSON values against the component schemas of an OpenAPI 3.x document (the OpenAI and Anthropic
// specifications in ../shared/specs), so tests can check that every response and stream chunk Sovra writes has the
// shape the official SDKs expect.
//
// Supported keywords: $ref (local), type (string or list; "null"), nullable, enum, const, required, properties,
// additionalProperties (boolean or schema), items, minItems, maxItems, minLength, maxLength, minimum, maximum,
// allOf, anyOf, oneOf (validated as anyOf: the specs' oneOfs overlap without a discriminator check).
// Everything else (format, pattern, description, x-*) is ignored.
#include <boost/json/value.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sovra::testing {

class OpenApiSchemas {
 public:
  // Loads a JSON OpenAPI document; nullptr (and `why` set) when the file is absent or unreadable.
  static std::unique_ptr<OpenApiSchemas> load(const std::string& path, std::string* why);

  // Errors, one per violation, as "$.choices[0].finish_reason: value not in enum"; empty when valid.
  std::vector<std::string> validate(const boost::json::value& value, std::string_view component) const;

 private:
  explicit OpenApiSchemas(boost::json::value document) : document_(std::move(document)) {}
  void check(const boost::json::value& v, const boost::json::value& schema, const std::string& path,
             std::vector<std::string>& errors, int depth) const;
  const boost::json::value* resolve(std::string_view ref) const;

  boost::json::value document_;
};

}  // namespace sovra::testing
