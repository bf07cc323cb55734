// Fuzzes the request path: raw bytes → HTTP parse (server limits) → routing → JSON body parse → error rendering.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/openai/error.hpp"
#include "common/json.hpp"
#include "http/parse.hpp"
#include "http/router.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const sovra::http::Router router = [] {
    sovra::http::Router r;
    r.add("GET", "/healthz", [](sovra::http::Request&) { return sovra::http::Response::json(200, "{}"); });
    r.add("POST", "/v1/chat/completions", [](sovra::http::Request&) { return sovra::http::Response::json(200, "{}"); },
          {.json_body = true});
    r.add("GET", "/v1/models/{id}", [](sovra::http::Request&) { return sovra::http::Response::json(200, "{}"); });
    return r;
  }();
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  auto req = sovra::http::parse_request(raw, {.max_header_bytes = 8192, .max_body_bytes = 1 << 20});
  if (!req) {
    (void)sovra::api::openai::error_response(req.error());
    return 0;
  }
  (void)sovra::http::is_acceptable_request_id(req->header("x-request-id"));
  auto match = router.match(req->method, req->path);
  if (match.error) {
    (void)sovra::api::openai::error_response(*match.error);
    return 0;
  }
  req->path_params = match.params;
  if (match.route->options.json_body) {
    auto body = sovra::parse_json(req->body);
    if (!body) (void)sovra::api::openai::error_response(body.error());
  }
  (void)match.route->handler(*req);
  return 0;
}
