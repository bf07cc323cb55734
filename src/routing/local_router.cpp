#include "routing/local_router.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sovra::routing {

bool allowed_by(const DeploymentInfo& d, const RoutingConstraints& c, std::string* why) {
  if (!c.allowed_regions.empty() &&
      std::find(c.allowed_regions.begin(), c.allowed_regions.end(), d.region) == c.allowed_regions.end()) {
    if (why) *why = fmt::format("allowed regions [{}]", fmt::join(c.allowed_regions, ", "));
    return false;
  }
  if (!c.allowed_jurisdictions.empty()) {
    const bool ok = std::any_of(c.allowed_jurisdictions.begin(), c.allowed_jurisdictions.end(), [&](const auto& j) {
      return j == d.jurisdiction || std::find(d.zones.begin(), d.zones.end(), j) != d.zones.end();
    });
    if (!ok) {
      if (why) *why = fmt::format("allowed jurisdictions [{}]", fmt::join(c.allowed_jurisdictions, ", "));
      return false;
    }
  }
  return true;
}

LocalRouter::LocalRouter(std::map<std::string, std::shared_ptr<LocalBackend>> backends,
                         std::vector<api::ModelInfo> catalog, LocalSite site)
    : catalog_(std::move(catalog)) {
  for (auto& entry : backends) {
    const std::string& name = entry.first;  // not a structured binding: clang 14 cannot capture those
    std::shared_ptr<LocalBackend>& backend = entry.second;
    DeploymentInfo d{.name = name,
                     .model = name,
                     .region = site.region,
                     .jurisdiction = site.jurisdiction,
                     .zones = site.zones,
                     .local = true,
                     .context_length = backend->max_model_len()};
    if (std::none_of(catalog_.begin(), catalog_.end(), [&](const api::ModelInfo& m) { return m.id == name; })) {
      api::ModelInfo info;
      info.id = name;
      info.context_length = d.context_length;
      info.capabilities.completions = true;
      info.capabilities.chat = backend->model().has_chat_template();
      catalog_.push_back(std::move(info));
    }
    entries_.emplace(name, Entry{std::move(backend), std::move(d)});
  }
}

Result<Route> LocalRouter::route(const RouteQuery& query) const {
  const auto it = entries_.find(query.model);
  if (it == entries_.end()) {
    Error e{ErrorCode::kNotFound, fmt::format("The model '{}' does not exist or you do not have access to it.",
                                              query.model),
            "model", 404, "model_not_found"};
    return fail(std::move(e));
  }
  std::string why;
  if (!allowed_by(it->second.deployment, query.constraints, &why)) {
    Error e{ErrorCode::kPermissionDenied,
            fmt::format("model '{}' runs in region '{}' (jurisdiction '{}'), outside this project's {}", query.model,
                        it->second.deployment.region, it->second.deployment.jurisdiction, why),
            "model", 403, "residency_violation"};
    return fail(std::move(e));
  }
  return Route{.backend = it->second.backend, .deployment = it->second.deployment};
}

std::vector<api::ModelInfo> LocalRouter::models() const { return catalog_; }

std::shared_ptr<LocalBackend> LocalRouter::backend(const std::string& model) const {
  const auto it = entries_.find(model);
  return it == entries_.end() ? nullptr : it->second.backend;
}

}  // namespace sovra::routing
