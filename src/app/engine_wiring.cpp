#include "app/engine_wiring.hpp"

#include <unistd.h>

#include <thread>

#include <fmt/format.h>

#include "common/logging.hpp"
#include "gguf/reader.hpp"
#include "model/hparams.hpp"
#include "model/paged_kv_cache.hpp"
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
          .prefill_group_tokens = static_cast<std::int32_t>(config.prefill_group_tokens),
          .max_waiting = static_cast<std::int32_t>(config.max_waiting),
          .max_seq_len = static_cast<std::int32_t>(config.context_length),
          .n_threads = static_cast<std::int32_t>(config.threads > 0 ? config.threads : cores),
          .kv_elem = config.kv_cache_type == "f32" ? kernels::KvElem::kF32 : kernels::KvElem::kF16};
}

std::uint64_t kv_cache_bytes(const EngineConfig& config, std::uint64_t kv_bytes_per_token, std::int64_t context,
                             std::uint64_t budget) {
  if (config.kv_cache_mib > 0) return static_cast<std::uint64_t>(config.kv_cache_mib) << 20;
  const std::uint64_t one = kv_bytes_per_token * static_cast<std::uint64_t>(std::max<std::int64_t>(context, 1));
  const std::uint64_t want = one * static_cast<std::uint64_t>(std::max<std::int64_t>(config.max_running_sequences, 1));
  const std::uint64_t bytes = std::max(one, std::min(want, budget / 4));
  return (bytes + (1u << 20) - 1) >> 20 << 20;  // whole MiB
}

namespace {

// The KV cache bytes of `path` under `options` (the model's header only: its weights are not read).
Result<std::uint64_t> model_kv_bytes(const std::string& path, const EngineConfig& config,
                                     const engine::EngineOptions& options, std::uint64_t budget) {
  if (config.kv_cache_mib > 0) return options.kv_budget_bytes;
  SOVRA_TRY(gguf::Reader reader, gguf::Reader::open(path));
  SOVRA_TRY(model::HyperParams hp, model::read_hparams(reader));
  // The engine's own default context when none is configured (engine.hpp: the training context, at most 4096).
  const std::int64_t context =
      options.max_seq_len > 0 ? options.max_seq_len
                              : std::min<std::int64_t>(hp.n_ctx_train == 0 ? 4096 : hp.n_ctx_train, 4096);
  const std::uint64_t per_token = model::PagedKvCache::block_bytes(hp, 1, options.kv_elem);
  // One block of slack: the pool holds whole blocks.
  return kv_cache_bytes(config, per_token, context + options.block_size, budget);
}

}  // namespace

Result<EngineWiring> start_engines(const Config& config, std::vector<api::ModelInfo> catalog) {
  const Logger log("engine");
  EngineWiring w;
  w.registry = std::make_shared<engine::EngineRegistry>(engine_memory_budget(config.engine));
  const engine::EngineOptions options = engine_options(config.engine);
  for (const ModelSpec& m : config.models) {
    engine::EngineOptions model_options = options;
    auto kv = model_kv_bytes(m.path, config.engine, options, w.registry->budget_bytes());
    if (!kv) {
      Error e = std::move(kv).error();
      e.message = fmt::format("cannot load model '{}' ({}): {}", m.name, m.path, e.message);
      return fail(std::move(e));
    }
    model_options.kv_budget_bytes = *kv;
    if (auto st = w.registry->load({.name = m.name, .path = m.path, .options = model_options}); !st) {
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
