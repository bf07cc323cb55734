#pragma once
// The embedded engine inside `sovra serve`: every configured model loaded into one EngineRegistry under the
// engine.memory_budget_mib budget (a model that does not fit stops start-up with a message naming the figures),
// one routing::LocalBackend per model, and the ModelRouter the API handlers route through. Engine metrics are
// registered on /metrics by each engine.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/types/model_info.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "engine/engine_registry.hpp"
#include "routing/local_backend.hpp"
#include "routing/model_router.hpp"

namespace sovra::app {

struct EngineWiring {
  std::shared_ptr<engine::EngineRegistry> registry;
  std::map<std::string, std::shared_ptr<routing::LocalBackend>> backends;  // by model name
  std::shared_ptr<routing::ModelRouter> router;                            // local models only (for now)
};

// Loads config.models (in order) and builds the router; `catalog` is what /v1/models shows for them.
Result<EngineWiring> start_engines(const Config& config, std::vector<api::ModelInfo> catalog);

// engine.memory_budget_mib in bytes, or 80% of physical memory when it is 0.
std::uint64_t engine_memory_budget(const EngineConfig& config);
// The engine options every model gets from the configuration.
engine::EngineOptions engine_options(const EngineConfig& config);

}  // namespace sovra::app
