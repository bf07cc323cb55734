#pragma once
// Operational endpoints every Sovra process serves: /healthz, /readyz, /metrics, /openapi.json, and, when
// server.debug_routes is on, POST /debug/echo (validates the JSON body and returns it; used by benchmarks)
// and GET /debug/sse (streams events from a producer thread; used by tests).
#include <memory>

#include "config/config.hpp"
#include "http/router.hpp"
#include "observability/readiness.hpp"

namespace sovra::app {

struct SystemRouteDeps {
  std::shared_ptr<observability::Readiness> readiness;
  bool debug_routes = false;
  std::size_t sse_queue_events = 1024;
};

// Adds the routes; the /openapi.json document describes whatever `router` holds when it is first requested.
void add_system_routes(http::Router& router, const SystemRouteDeps& deps);

}  // namespace sovra::app
