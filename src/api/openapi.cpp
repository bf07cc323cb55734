#include "api/openapi.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>

namespace sovra::api {
namespace json = boost::json;

namespace {

std::string operation_id(const http::Route& r) {
  std::string id;
  for (char c : r.method) id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (char c : r.pattern) id += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
  return id;
}

json::object error_schema() {
  json::object inner{{"type", "object"},
                     {"properties", json::object{{"message", json::object{{"type", "string"}}},
                                                 {"type", json::object{{"type", "string"}}},
                                                 {"param", json::object{{"type", json::array{"string", "null"}}}},
                                                 {"code", json::object{{"type", json::array{"string", "null"}}}}}},
                     {"required", json::array{"message", "type"}}};
  return json::object{
      {"type", "object"}, {"properties", json::object{{"error", inner}}}, {"required", json::array{"error"}}};
}

}  // namespace

std::string openapi_document(const http::Router& router, const std::string& version) {
  json::object paths;
  for (const auto& r : router.routes()) {
    if (r.options.hidden) continue;
    json::object op{
        {"operationId", operation_id(r)},
        {"summary", r.options.summary},
        {"responses",
         json::object{
             {"200", json::object{{"description", "Success"}}},
             {"default",
              json::object{
                  {
                      "description",
                      "Error",
                  },
                  {"content",
                   json::object{{"application/json",
                                 json::object{{"schema", json::object{{"$ref", "#/components/schemas/Error"}}}}}}}}}}}};
    json::array params;
    std::string_view p = r.pattern;
    for (std::size_t i = p.find('{'); i != std::string_view::npos; i = p.find('{', i + 1)) {
      const auto end = p.find('}', i);
      if (end == std::string_view::npos) break;
      params.push_back(json::object{{"name", std::string(p.substr(i + 1, end - i - 1))},
                                    {"in", "path"},
                                    {"required", true},
                                    {"schema", json::object{{"type", "string"}}}});
    }
    if (!params.empty()) op["parameters"] = std::move(params);
    if (r.options.json_body) {
      op["requestBody"] = json::object{
          {"required", true},
          {"content", json::object{{"application/json", json::object{{"schema", json::object{{"type", "object"}}}}}}}};
    }
    std::string method;
    for (char c : r.method) method += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto& entry = paths[r.pattern];
    if (!entry.is_object()) entry = json::object{};
    entry.as_object()[method] = std::move(op);
  }
  json::object doc{
      {"openapi", "3.1.0"},
      {"info",
       json::object{{"title", "Sovra"},
                    {"version", version},
                    {"description", "OpenAI- and Anthropic-compatible inference API served by this Sovra build."}}},
      {"paths", std::move(paths)},
      {"components", json::object{{"schemas", json::object{{"Error", error_schema()}}}}}};
  return json::serialize(doc);
}

}  // namespace sovra::api
