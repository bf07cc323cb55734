#pragma once
// EngineRegistry: the models this process serves, each with its own Engine (scheduler, KV cache, engine
// thread), under one memory budget.
//
// Contract:
// - load() maps the model file, builds its tokenizer and engine, and admits it only if its cost — the weights
//   (file size: mapped and read every step) plus its KV cache budget plus a fixed allowance for scratch — fits
//   in what the budget has left; otherwise kUnavailable naming the model, its cost and what is left, and nothing
//   is loaded. A name may be loaded once (kConflict).
// - find() returns the engine to submit to, or null. The returned shared_ptr keeps the engine alive across an
//   unload() that races with a request.
// - All methods are thread-safe.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "engine/engine.hpp"

namespace sovra::engine {

struct ModelDeployment {
  std::string name;
  std::filesystem::path path;
  EngineOptions options;  // options.model_name is set to name
};

struct LoadedModelInfo {
  std::string name;
  std::uint64_t cost_bytes = 0;
};

class EngineRegistry {
 public:
  static constexpr std::uint64_t kScratchAllowance = 64ull << 20;

  explicit EngineRegistry(std::uint64_t memory_budget_bytes) : budget_(memory_budget_bytes) {}

  Status load(ModelDeployment deployment);
  Status unload(const std::string& name);
  std::shared_ptr<Engine> find(const std::string& name) const;
  std::vector<LoadedModelInfo> loaded() const;
  std::uint64_t used_bytes() const;
  std::uint64_t budget_bytes() const { return budget_; }

 private:
  struct Entry {
    std::shared_ptr<Engine> engine;
    std::uint64_t cost = 0;
  };

  std::uint64_t budget_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> engines_;
};

}  // namespace sovra::engine
