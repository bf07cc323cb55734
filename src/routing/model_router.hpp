#pragma once
// ModelRouter: which deployment answers a call for a model name. The API handlers ask it once per call, after
// authentication and before admission (admission needs the deployment's region and price).
//
// Contract:
// - route(query) resolves aliases (`gpt-4o` → a local model), applies the residency constraints in the query
//   (a deployment outside them is never chosen; when none is left the call is refused with 403 and a message
//   naming the constraint — never silently routed elsewhere), and picks one deployment (load balancing, health,
//   fallbacks are the implementation's business). Unknown model: kNotFound, api_code "model_not_found", 404.
// - models() lists what /v1/models shows (aliases included), in a stable order.
// - Thread-safe; route() does no blocking I/O (health and load are tracked in the background).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api/types/model_info.hpp"
#include "common/error.hpp"
#include "routing/backend.hpp"

namespace sovra::routing {

// Where a deployment runs: what residency rules, the audit trail and the usage ledger record.
struct DeploymentInfo {
  std::string name;          // deployment name from config (unique)
  std::string model;         // the served model's canonical name (after alias resolution)
  std::string region;        // e.g. "se-sto-1"; empty when not configured
  std::string jurisdiction;  // e.g. "SE"
  std::vector<std::string> zones;  // wider areas the jurisdiction belongs to, e.g. {"EU", "EEA"}
  bool local = true;         // the embedded engine (false: an upstream)
  std::int64_t context_length = 0;  // the model's context in tokens; 0 when unknown
};

// Residency constraints of the caller's organisation/project (gateway/residency computes them). Empty lists
// allow everything; otherwise a deployment must match one entry of each non-empty list.
struct RoutingConstraints {
  std::vector<std::string> allowed_regions;        // match DeploymentInfo::region
  std::vector<std::string> allowed_jurisdictions;  // match DeploymentInfo::jurisdiction or one of its zones
};

struct RouteQuery {
  std::string model;     // as the client sent it
  std::string endpoint;  // route pattern, e.g. "/v1/chat/completions"
  RoutingConstraints constraints;
  std::string affinity_key;  // optional: same key → same deployment when possible (prefix-cache stickiness)
};

struct Route {
  std::shared_ptr<InferenceBackend> backend;
  DeploymentInfo deployment;
};

class ModelRouter {
 public:
  virtual ~ModelRouter() = default;
  virtual Result<Route> route(const RouteQuery& query) const = 0;
  virtual std::vector<api::ModelInfo> models() const = 0;
};

}  // namespace sovra::routing
