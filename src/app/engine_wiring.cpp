#include "app/engine_wiring.hpp"

#include <unistd.h>

#include <thread>

#include <fmt/format.h>

#include "common/logging.hpp"
#include "routing/local_router.hpp"

namespace sovra::app {

std::uint64_t engine_memory_budget(const EngineConfig& config) {
  if (config.memory_budget_mib > 0) return static_cast<std::uint64_t>(config.memory_budget_mib) << 20;
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 4ull << 30;  // unknown: a conservative 4 GiB
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size) / 10 * 8;
}

engine::EngineOptions engine_options(const EngineConfig& config) {
  const auto cores = static_cast<std::int64_t>(std::max(1u, std::thread::hardware_concurrency()));
  return {.kv_budget_bytes = static_cast<std::uint64_t>(config.kv_cache_mib) << 20,
          .max_num_seqs = static_cast<std::int32_t>(config.max_running_sequences),
          .max_batched_tokens = static_cast<std::int32_t>(config.max_batched_tokens),
          .max_waiting = static_cast<std::int32_t>(config.max_waiting),
          .max_seq_len = static_cast<std::int32_t>(config.context_length),
          .n_threads = static_cast<std::int32_t>(config.threads > 0 ? config.threads : cores)};
}

Result<EngineWiring> start_engines(const Config& config, std::vector<api::ModelInfo> catalog) {
  const Logger log("engine");
  EngineWiring w;
  w.registry = std::make_shared<engine::EngineRegistry>(engine_memory_budget(config.engine));
  const engine::EngineOptions options = engine_options(config.engine);
  for (const ModelSpec& m : config.models) {
    if (auto st = w.registry->load({.name = m.name, .path = m.path, .options = options}); !st) {
      Error e = std::move(st).error();
      e.message = fmt::format("cannot load model '{}' ({}): {}", m.name, m.path, e.message);
      return fail(std::move(e));
    }
  }
  SOVRA_TRY(w.backends, routing::make_local_backends(*w.registry));
  for (auto& info : catalog) {
    // /v1/models reports the context the engine serves, not only what the file was trained for.
    if (const auto it = w.backends.find(info.id); it != w.backends.end()) info.context_length = it->second->max_model_len();
  }
  w.router = std::make_shared<routing::LocalRouter>(
      w.backends, std::move(catalog),
      routing::LocalSite{.region = config.server.region, .jurisdiction = config.server.jurisdiction});
  log.info("engine ready", {{"models", static_cast<std::int64_t>(w.backends.size())},
                            {"used_mib", static_cast<std::int64_t>(w.registry->used_bytes() >> 20)},
                            {"budget_mib", static_cast<std::int64_t>(w.registry->budget_bytes() >> 20)}});
  return w;
}

}  // namespace sovra::app
