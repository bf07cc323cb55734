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
// The engine options every model gets from the configuration (kv_budget_bytes is 0 when engine.kv_cache_mib is 0:
// see kv_cache_bytes).
engine::EngineOptions engine_options(const EngineConfig& config);
// The KV cache of one model: engine.kv_cache_mib, or, when it is 0, room for max_running_sequences sequences of
// the context (`kv_bytes_per_token` each token), capped at a quarter of `budget` but never below one sequence.
std::uint64_t kv_cache_bytes(const EngineConfig& config, std::uint64_t kv_bytes_per_token, std::int64_t context,
                             std::uint64_t budget);

}  // namespace sovra::app
