// `sovra gateway`: the HTTP server and the tenancy platform without the embedded engine; several replicas share
// one PostgreSQL store (store.url). Models are served by the upstream deployments of routing.deployments (sovra
// workers, vLLM, llama.cpp's server, …) through routing::ConfigModelRouter.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "api/openai/models.hpp"
#include "app/audit_wiring.hpp"
#include "app/command.hpp"
#include "app/config_flags.hpp"
#include "app/data_dir.hpp"
#include "app/inference_wiring.hpp"
#include "app/metering_wiring.hpp"
#include "app/platform_wiring.hpp"
#include "app/run_server.hpp"
#include "app/system_routes.hpp"
#include "common/build_info.hpp"
#include "common/logging.hpp"
#include "observability/metrics.hpp"
#include "routing/build_router.hpp"

namespace sovra::app {
namespace {

int gateway(const ConfigFlags& flags) {
  auto config = flags.load();
  if (!config) {
    std::cerr << "sovra: invalid configuration: " << config.error().message << "\n";
    return 2;
  }
  if (auto st = configure_logging({.level = config->log.level, .format = config->log.format}); !st) {
    std::cerr << "sovra: " << st.error().message << "\n";
    return 2;
  }
  const Logger log("app");
  log.info("starting gateway", {{"version", build::kVersion}, {"commit", build::kCommit}});
  Logger("config").info("effective configuration", {{"config", print_config_redacted(*config)}});
  observability::register_build_info();

  // The gateway runs no engine: every model is an upstream deployment. Validated here, before listening.
  auto models = routing::build_model_router(*config, {});
  if (!models) {
    log.error("invalid routing configuration", {{"error", models.error().message}});
    std::cerr << "sovra: invalid configuration: " << models.error().message << "\n";
    return 2;
  }
  if ((*models)->models().empty()) log.warn("no upstream deployments configured (routing.deployments)");

  auto readiness = std::make_shared<observability::Readiness>();
  readiness->set("store", false, "opening the store");
  auto lock = DataDirLock::acquire(config->data_dir);
  if (!lock) {
    std::cerr << "sovra: " << lock.error().message << "\n";
    return 1;
  }
  auto platform = Platform::start(*config, {.bootstrap = true});
  if (!platform) {
    log.error("cannot open the store", {{"error", platform.error().message}});
    std::cerr << "sovra: " << platform.error().message << "\n";
    return 1;
  }
  readiness->set("store", true, std::string((*platform)->bootstrap_result().created ? "bootstrapped" : "open"));

  std::unique_ptr<Metering> metering;  // after the platform: destroyed (ledger drained) before it
  if (config->metering.enabled) {
    auto m = Metering::start(*config, (*platform)->store(), (*platform)->executor(), (*platform)->audit().log());
    if (!m) {
      log.error("cannot start metering", {{"error", m.error().message}});
      std::cerr << "sovra: " << m.error().message << "\n";
      return 1;
    }
    metering = std::move(*m);
  }

  auto router = std::make_shared<http::Router>();
  add_system_routes(*router, {.readiness = readiness,
                              .debug_routes = config->server.debug_routes,
                              .sse_queue_events = static_cast<std::size_t>(config->server.sse_queue_events)});
  api::openai::add_model_routes(*router, std::make_shared<const std::vector<api::ModelInfo>>((*models)->models()),
                                metering ? metering->prices_of() : api::openai::PricesOf{});
  (*platform)->install(*router);
  if (metering) metering->install(*router);
  if (auto st = install_inference(*router, {.config = *config,
                                            .platform = platform->get(),
                                            .metering = metering.get(),
                                            .router = *models,
                                            .deployments = (*models)->deployment_infos()});
      !st) {
    log.error("cannot start the inference path", {{"error", st.error().message}});
    std::cerr << "sovra: " << st.error().message << "\n";
    return 2;
  }
  return run_server(*config, router, **platform, log);
}

const CommandRegistration kGateway([](CLI::App& root, int& exit_code) {
  auto* cmd =
      root.add_subcommand("gateway", "Serve the API gateway without the engine (replicas share a PostgreSQL store)");
  auto flags = std::make_shared<ConfigFlags>();
  flags->add_to(*cmd);
  cmd->callback([flags, &exit_code] { exit_code = gateway(*flags); });
});

}  // namespace
}  // namespace sovra::app
