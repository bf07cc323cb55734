#include "app/system_routes.hpp"

#include <boost/json/serialize.hpp>

#include <mutex>

#include "api/openai/error.hpp"
#include "api/openapi.hpp"
#include "common/build_info.hpp"
#include "common/json.hpp"
#include "observability/metrics.hpp"

namespace sovra::app {

void add_system_routes(http::Router& router, const SystemRouteDeps& deps) {
  router.add("GET", "/healthz", [](http::Request&) { return http::Response::json(200, R"({"status":"ok"})"); },
             {.summary = "Liveness: the process is up and serving HTTP"});

  router.add(
      "GET", "/readyz",
      [readiness = deps.readiness](http::Request&) {
        return http::Response::json(readiness->all_ready() ? 200 : 503, readiness->to_json());
      },
      {.summary = "Readiness: models loaded and store open"});

  router.add(
      "GET", "/metrics",
      [](http::Request&) {
        return http::Response::text(200, observability::render_metrics_text(), "text/plain; version=0.0.4; charset=utf-8");
      },
      {.summary = "Prometheus metrics (text format 0.0.4)"});

  // The document is built on first request, after every route is registered, and cached.
  auto doc = std::make_shared<std::pair<std::once_flag, std::string>>();
  const http::Router* self = &router;
  router.add(
      "GET", "/openapi.json",
      [doc, self](http::Request&) {
        std::call_once(doc->first, [&] { doc->second = api::openapi_document(*self, build::kVersion); });
        return http::Response::json(200, doc->second);
      },
      {.summary = "OpenAPI 3.1 description of the routes this build serves"});

  if (deps.debug_routes) {
    router.add(
        "POST", "/debug/echo",
        [](http::Request& req) {
          auto value = parse_json(req.body);
          if (!value) return api::openai::error_response(value.error());
          return http::Response::json(200, boost::json::serialize(*value));
        },
        {.json_body = true, .summary = "Parse a JSON body and return it (benchmarks)", .hidden = true});
  }
}

}  // namespace sovra::app
