#pragma once
// The models a process with an engine (`sovra serve`, `sovra worker`) runs itself: generative models on the engine
// (app/engine_wiring.hpp), encoders on routing::EncoderBackend (app/encoder_models.hpp), and the one ModelRouter
// over them plus the configured upstream deployments, aliases and fallbacks (routing/build_router.hpp).
#include <memory>
#include <vector>

#include "api/types/model_info.hpp"
#include "app/encoder_models.hpp"
#include "app/engine_wiring.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "routing/config_model_router.hpp"

namespace sovra::app {

struct LocalModels {
  EngineWiring engines;
  EncoderBackends encoders;
  std::shared_ptr<routing::ConfigModelRouter> router;
  std::size_t loaded() const { return engines.backends.size() + encoders.size(); }
};

// `catalog` is describe_models(config.models), in the same order. Errors: a model that cannot be loaded or does
// not fit the memory budget (kUnavailable / kInvalidArgument, naming it), an invalid routing section
// (kInvalidArgument: a configuration error).
Result<LocalModels> load_local_models(const Config& config, const std::vector<api::ModelInfo>& catalog);

}  // namespace sovra::app
