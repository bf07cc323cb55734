#pragma once
// ConfigModelRouter: the ModelRouter built from the configuration — deployments (local engines and upstreams),
// aliases and ordered fallbacks — with load balancing and health.
//
// route(): alias → model; for the model and then each of its fallbacks in order: its deployments inside the
// query's residency constraints that are available (breaker not open, not ejected, active check passing, below
// max_concurrency); among them the affinity key's deployment when it has one (rendezvous hashing, so a key keeps
// its deployment while the set is unchanged), else the less loaded of two picked at random in proportion to their
// weights (power of two choices on outstanding / weight). Nothing inside the constraints: 403 naming them;
// everything inside them unavailable: 503.
// The returned backend wraps the deployment's: it counts the call as outstanding from start_* to its kFinished
// event and feeds the outcome (failure: an error of status ≥ 500, or a transport error) to the breaker and the
// outlier detector. It keeps the router's state alive, so calls may outlive the router.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "routing/deployment_health.hpp"
#include "routing/model_router.hpp"

namespace sovra::routing {

struct Deployment {
  DeploymentInfo info;  // info.model: the model clients ask for
  std::shared_ptr<InferenceBackend> backend;
  std::int64_t weight = 1;
  std::int64_t max_concurrency = 0;  // 0: unlimited
};

struct RouterOptions {
  std::map<std::string, std::string> aliases;                  // alias → model
  std::map<std::string, std::vector<std::string>> fallbacks;   // model → fallback models, in order
  bool affinity = true;
  HealthPolicy health;
  std::int64_t max_ejection_percent = 50;   // of a model's deployments ejected at once (at least one stays)
  std::map<std::string, api::ModelInfo> model_infos;  // details for /v1/models (local models' GGUF facts)
  std::function<Clock::time_point()> now = [] { return Clock::now(); };
  std::uint64_t seed = 0x5eed;
};

class ConfigModelRouter final : public ModelRouter {
 public:
  ConfigModelRouter(std::vector<Deployment> deployments, RouterOptions options);
  ~ConfigModelRouter() override;

  Result<Route> route(const RouteQuery& query) const override;
  std::vector<api::ModelInfo> models() const override;

  // Keeps a companion (the active health checker) alive as long as the router.
  void keep(std::shared_ptr<void> companion) { companions_.push_back(std::move(companion)); }

  // The active health checker's verdict for a deployment (by name); unknown names are ignored.
  void set_healthy(const std::string& deployment, bool healthy);

  // Observations for tests, metrics and /debug.
  struct DeploymentState {
    std::string name;
    std::int64_t outstanding = 0;
    DeploymentHealth::Breaker breaker = DeploymentHealth::Breaker::kClosed;
    bool ejected = false;
    bool healthy = true;
  };
  std::vector<DeploymentState> states() const;
  // Every deployment's labels (residency checks at start-up, transparency).
  std::vector<DeploymentInfo> deployment_infos() const;

  struct State;  // shared with the call wrappers
  struct Pick;

 private:
  std::shared_ptr<State> state_;
  std::vector<std::shared_ptr<void>> companions_;
};

}  // namespace sovra::routing
