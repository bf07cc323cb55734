#include "app/local_models.hpp"

#include "routing/build_router.hpp"

namespace sovra::app {

Result<LocalModels> load_local_models(const Config& config, const std::vector<api::ModelInfo>& catalog) {
  // Encoder models (embeddings, rerank) run on routing::EncoderBackend; the engine takes the generative ones.
  Config engine_config = config;
  engine_config.models.clear();
  std::vector<api::ModelInfo> engine_catalog;
  for (std::size_t i = 0; i < config.models.size() && i < catalog.size(); ++i) {
    if (is_encoder_model(config.models[i])) continue;
    engine_config.models.push_back(config.models[i]);
    engine_catalog.push_back(catalog[i]);
  }
  LocalModels out;
  SOVRA_TRY(out.engines, start_engines(engine_config, std::move(engine_catalog)));
  SOVRA_TRY(out.encoders, load_encoder_models(config.models, {}));

  // One router for every model: engine and encoder backends, upstream deployments, aliases, fallbacks.
  routing::LocalBackends local;
  for (const auto& [name, backend] : out.engines.backends) local[name] = backend;
  for (const auto& [name, backend] : out.encoders) local[name] = backend;
  routing::BuildOptions build_options;
  for (const auto& info : catalog) build_options.model_infos[info.id] = info;
  SOVRA_TRY(out.router, routing::build_model_router(config, local, build_options));
  return out;
}

}  // namespace sovra::app
