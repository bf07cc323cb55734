#pragma once
// The process-wide Prometheus registry. Each component declares its own metric families (name, help) next to
// its code and registers them here; GET /metrics serializes everything.
#include <string>

namespace prometheus {
class Registry;
}

namespace sovra::observability {

prometheus::Registry& registry();
// Prometheus text exposition format 0.0.4 of every registered family.
std::string render_metrics_text();
// sovra_build_info{version,commit,compiler} 1 — registered once at start-up.
void register_build_info();

}  // namespace sovra::observability
