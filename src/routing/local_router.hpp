#pragma once
// LocalRouter: the ModelRouter of `sovra serve` without upstreams — every model this process loaded, by the name
// clients use. Residency: every local deployment has the process's region and jurisdiction (server.region /
// server.jurisdiction); a call whose constraints exclude them is refused with 403 naming the constraint.
// The config-driven router (aliases, upstreams, fallbacks) takes the same LocalBackends as its local
// deployments; this one is the simple case.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "routing/local_backend.hpp"
#include "routing/model_router.hpp"

namespace sovra::routing {

struct LocalSite {
  std::string region;
  std::string jurisdiction;
  std::vector<std::string> zones;
};

class LocalRouter final : public ModelRouter {
 public:
  // `catalog`: what /v1/models shows for each model (ids must match backend names; models without an entry get a
  // minimal one).
  LocalRouter(std::map<std::string, std::shared_ptr<LocalBackend>> backends, std::vector<api::ModelInfo> catalog,
              LocalSite site);

  Result<Route> route(const RouteQuery& query) const override;
  std::vector<api::ModelInfo> models() const override;

  // The backend of a local model, or null.
  std::shared_ptr<LocalBackend> backend(const std::string& model) const;

 private:
  struct Entry {
    std::shared_ptr<LocalBackend> backend;
    DeploymentInfo deployment;
  };
  std::map<std::string, Entry> entries_;
  std::vector<api::ModelInfo> catalog_;
};

// True when `d` satisfies `c` (empty lists allow everything); `why` names the failed constraint otherwise.
bool allowed_by(const DeploymentInfo& d, const RoutingConstraints& c, std::string* why);

}  // namespace sovra::routing
