#include "engine/engine_registry.hpp"

#include <fmt/format.h>

#include "common/logging.hpp"
#include "tokenizer/load.hpp"

namespace sovra::engine {
namespace {

std::uint64_t mib(std::uint64_t b) { return b >> 20; }

}  // namespace

Status EngineRegistry::load(ModelDeployment d) {
  std::error_code ec;
  const auto file_bytes = std::filesystem::file_size(d.path, ec);
  if (ec) return Error::not_found(fmt::format("model {}: cannot read {}: {}", d.name, d.path.string(), ec.message()));
  const std::uint64_t cost = file_bytes + d.options.kv_budget_bytes + kScratchAllowance;
  {
    std::lock_guard lock(mu_);
    if (engines_.count(d.name) != 0)
      return Error{ErrorCode::kConflict, "model " + d.name + " is already loaded", {}, 0};
    std::uint64_t used = 0;
    for (const auto& [n, e] : engines_) used += e.cost;
    if (used + cost > budget_) {
      return Error::unavailable(fmt::format(
          "model {} does not fit: it needs {} MiB (weights {} MiB + KV cache {} MiB + {} MiB scratch) but only {} "
          "MiB of the {} MiB budget are left",
          d.name, mib(cost), mib(file_bytes), mib(d.options.kv_budget_bytes), mib(kScratchAllowance),
          mib(budget_ - used), mib(budget_)));
    }
  }
  SOVRA_TRY(auto model, model::Model::load(d.path));
  SOVRA_TRY(auto tok, tokenizer::load_from_gguf(model->gguf()));
  d.options.model_name = d.name;
  SOVRA_TRY(auto engine, Engine::create(std::shared_ptr<const model::Model>(std::move(model)),
                                        std::shared_ptr<const tokenizer::Tokenizer>(std::move(tok)), d.options));
  std::lock_guard lock(mu_);
  // Re-check: another load may have been admitted while this one was reading its file.
  std::uint64_t used = 0;
  for (const auto& [n, e] : engines_) used += e.cost;
  if (engines_.count(d.name) != 0) return Error{ErrorCode::kConflict, "model " + d.name + " is already loaded", {}, 0};
  if (used + cost > budget_) return Error::unavailable("model " + d.name + " no longer fits in the memory budget");
  engines_.emplace(d.name, Entry{std::shared_ptr<Engine>(std::move(engine)), cost});
  Logger("engine").info("model loaded", {{"model", d.name}, {"cost_mib", mib(cost)}, {"used_mib", mib(used + cost)}});
  return {};
}

Status EngineRegistry::unload(const std::string& name) {
  std::shared_ptr<Engine> engine;
  {
    std::lock_guard lock(mu_);
    const auto it = engines_.find(name);
    if (it == engines_.end()) return Error::not_found("model " + name + " is not loaded");
    engine = std::move(it->second.engine);
    engines_.erase(it);
  }
  return {};  // the engine stops when the last request holding it lets go
}

std::shared_ptr<Engine> EngineRegistry::find(const std::string& name) const {
  std::lock_guard lock(mu_);
  const auto it = engines_.find(name);
  return it == engines_.end() ? nullptr : it->second.engine;
}

std::vector<LoadedModelInfo> EngineRegistry::loaded() const {
  std::lock_guard lock(mu_);
  std::vector<LoadedModelInfo> out;
  for (const auto& [n, e] : engines_) out.push_back({n, e.cost});
  return out;
}

std::uint64_t EngineRegistry::used_bytes() const {
  std::lock_guard lock(mu_);
  std::uint64_t used = 0;
  for (const auto& [n, e] : engines_) used += e.cost;
  return used;
}

}  // namespace sovra::engine
