#pragma once
// The ModelRouter of a serving mode, from the configuration: every routing.deployments entry (local ones get the
// engine backend of the model they name; upstream ones an UpstreamBackend over a pooled client) plus one implicit
// local deployment per configured model that no deployment names (so `sovra serve --model m=…` needs no routing
// section), aliases, fallbacks, health policy and the active health checker of the upstreams.
//
// `local` maps a configured model name to its engine backend (routing/local_backend, built by `sovra serve` and
// `sovra worker`); `sovra gateway` passes an empty map, and then a local deployment is a configuration error.
#include <map>
#include <memory>
#include <string>

#include "api/types/model_info.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "routing/config_model_router.hpp"

namespace sovra::routing {

using LocalBackends = std::map<std::string, std::shared_ptr<InferenceBackend>>;

struct BuildOptions {
  std::map<std::string, api::ModelInfo> model_infos;  // /v1/models details of local models (GGUF facts)
  bool active_health_checks = true;                   // off in tests that drive health by hand
};

Result<std::shared_ptr<ConfigModelRouter>> build_model_router(const Config& config, const LocalBackends& local,
                                                              const BuildOptions& options = {});

}  // namespace sovra::routing
