#include "integration/auth_support.hpp"

#include <fstream>
#include <sstream>

#include "common/json.hpp"

namespace sovra::test {

HttpReply call(int port, std::string_view method, std::string_view path, const std::string& key,
               std::string_view body) {
  std::map<std::string, std::string> headers;
  if (!key.empty()) headers["authorization"] = "Bearer " + key;
  return http_request(port, method, path, body, "application/json", headers);
}

boost::json::value json_of(const HttpReply& reply) {
  auto v = parse_json(reply.body);
  return v ? *v : boost::json::value();
}

std::string str(const boost::json::value& v, std::string_view field) {
  const auto* o = v.if_object();
  const auto* f = o != nullptr ? o->if_contains(field) : nullptr;
  return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace sovra::test
