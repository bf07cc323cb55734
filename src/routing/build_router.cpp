#include "routing/build_router.hpp"

#include <map>
#include <set>
#include <sstream>

#include "common/logging.hpp"
#include "routing/health_checker.hpp"
#include "routing/upstream_backend.hpp"
#include "routing/upstream_client.hpp"

namespace sovra::routing {
namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace

Result<std::shared_ptr<ConfigModelRouter>> build_model_router(const Config& config, const LocalBackends& local,
                                                              const BuildOptions& options) {
  const auto& rc = config.routing;
  const Logger log("routing");
  std::vector<Deployment> deployments;
  std::vector<HealthChecker::Target> upstreams;
  std::set<std::string> named_locals;
  std::map<std::string, std::shared_ptr<const ModelVocabulary>> vocabularies;  // by path: opened once
  for (const auto& d : rc.deployments) {
    if (!d.local.empty()) named_locals.insert(d.local);
  }
  auto add_local = [&](const std::string& name, const std::string& model, const std::string& engine_model,
                       DeploymentInfo info, std::int64_t weight, std::int64_t max_concurrency) -> Status {
    auto it = local.find(engine_model);
    if (it == local.end() || !it->second) {
      return Error::invalid("deployment '" + name + "' runs on the local engine (model '" + engine_model +
                                "'), but this mode runs no engine for it; use `sovra serve` or an upstream base_url",
                            "routing.deployments");
    }
    info.name = name;
    info.model = model;
    info.local = true;
    deployments.push_back({.info = std::move(info), .backend = it->second, .weight = weight,
                           .max_concurrency = max_concurrency});
    return {};
  };
  // The embedded engine's labels: routing.local_*, else the process's own server.region / server.jurisdiction.
  const DeploymentInfo local_labels{.region = rc.local_region.empty() ? config.server.region : rc.local_region,
                                    .jurisdiction = rc.local_jurisdiction.empty() ? config.server.jurisdiction
                                                                                  : rc.local_jurisdiction,
                                    .zones = split_list(rc.local_zones)};
  for (const auto& d : rc.deployments) {
    DeploymentInfo info{.name = d.name, .model = d.model, .region = d.region, .jurisdiction = d.jurisdiction,
                        .zones = d.zones, .local = false, .context_length = d.context_length};
    if (!d.local.empty()) {
      if (info.region.empty() && info.jurisdiction.empty()) {
        info.region = local_labels.region;
        info.jurisdiction = local_labels.jurisdiction;
        info.zones = local_labels.zones;
      }
      if (auto it = options.model_infos.find(d.local); it != options.model_infos.end() && info.context_length == 0) {
        info.context_length = it->second.context_length;
      }
      SOVRA_CHECK(add_local(d.name, d.model, d.local, std::move(info), d.weight, d.max_concurrency));
      continue;
    }
    auto endpoint = parse_base_url(d.base_url);
    if (!endpoint) {
      return Error::invalid("deployment '" + d.name + "': " + endpoint.error().message, "routing.deployments");
    }
    auto client = UpstreamClient::create(*endpoint, {.connect_timeout_ms = d.connect_timeout_ms,
                                                     .first_byte_timeout_ms = d.first_byte_timeout_ms,
                                                     .idle_timeout_ms = d.idle_timeout_ms,
                                                     .ca_file = d.ca_file});
    if (!client) return Error::invalid("deployment '" + d.name + "': " + client.error().message, "routing.deployments");
    std::shared_ptr<const ModelVocabulary> vocabulary;
    if (!d.tokenizer.empty()) {
      auto& slot = vocabularies[d.tokenizer];
      if (!slot) {
        auto opened = ModelVocabulary::open(d.model, d.tokenizer);
        if (!opened) {
          return Error::invalid("deployment '" + d.name + "': tokenizer: " + opened.error().message,
                                "routing.deployments");
        }
        slot = std::move(*opened);
      }
      vocabulary = slot;
    }
    auto backend =
        UpstreamBackend::create(*client, {.deployment = d.name,
                                          .upstream_model = d.upstream_model.empty() ? d.model : d.upstream_model,
                                          .api_key = d.api_key,
                                          .max_retries = rc.max_retries,
                                          .retry_budget_percent = rc.retry_budget_percent,
                                          .vocabulary = std::move(vocabulary)});
    upstreams.push_back({d.name, backend});
    deployments.push_back({.info = std::move(info), .backend = backend, .weight = d.weight,
                           .max_concurrency = d.max_concurrency});
    log.info("upstream deployment", {{"deployment", d.name},
                                     {"model", d.model},
                                     {"host", endpoint->host},
                                     {"port", endpoint->port},
                                     {"tls", endpoint->tls},
                                     {"region", d.region},
                                     {"tokenizer", d.tokenizer},
                                     {"weight", d.weight}});
  }
  for (const auto& m : config.models) {
    if (named_locals.contains(m.name)) continue;
    auto info = local_labels;
    if (auto it = options.model_infos.find(m.name); it != options.model_infos.end()) {
      info.context_length = it->second.context_length;
    }
    if (!local.contains(m.name)) continue;  // a mode without an engine (gateway) serves no implicit local models
    SOVRA_CHECK(add_local(m.name, m.name, m.name, std::move(info), 1, 0));
  }

  RouterOptions ro;
  for (const auto& a : rc.aliases) ro.aliases[a.name] = a.model;
  for (const auto& f : rc.fallbacks) ro.fallbacks[f.model] = f.to;
  ro.affinity = rc.affinity;
  ro.health = {.breaker_failures = rc.breaker_failures,
               .breaker_open_ms = rc.breaker_open_ms,
               .outlier_min_requests = rc.outlier_min_requests,
               .outlier_failure_percent = rc.outlier_failure_percent,
               .outlier_ejection_ms = rc.outlier_ejection_ms,
               .outlier_window = std::max<std::int64_t>(20, rc.outlier_min_requests)};
  ro.max_ejection_percent = rc.outlier_max_ejection_percent;
  ro.model_infos = options.model_infos;
  // Aliases and fallbacks must name something this mode actually serves.
  std::set<std::string> served;
  for (const auto& d : deployments) served.insert(d.info.model);
  for (const auto& [alias, model] : ro.aliases) {
    if (!served.contains(model)) {
      return Error::invalid("alias '" + alias + "' points at '" + model + "', which this mode does not serve",
                            "routing.aliases");
    }
  }
  auto router = std::make_shared<ConfigModelRouter>(std::move(deployments), std::move(ro));
  if (options.active_health_checks && rc.health_interval_ms > 0 && !upstreams.empty()) {
    router->keep(std::make_shared<HealthChecker>(router, std::move(upstreams), rc.health_interval_ms));
  }
  return router;
}

}  // namespace sovra::routing
