// `sovra worker`: the embedded engine behind an OpenAI-compatible API, without the tenancy platform: no keys,
// limits, metering or audit of its own — those run in the gateways in front of it, which present the shared
// secret worker.secret. Gateways list a worker as an upstream deployment (base_url http(s)://worker:port/v1,
// api_key = the secret).
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "api/openai/models.hpp"
#include "app/command.hpp"
#include "app/config_flags.hpp"
#include "app/model_catalog.hpp"
#include "app/model_files.hpp"
#include "app/inference_wiring.hpp"
#include "app/local_models.hpp"
#include "app/run_server.hpp"
#include "app/system_routes.hpp"
#include "app/worker_secret.hpp"
#include "common/build_info.hpp"
#include "common/logging.hpp"
#include "observability/metrics.hpp"

namespace sovra::app {
namespace {

int worker(const ConfigFlags& flags) {
  auto config = flags.load();
  if (!config) {
    std::cerr << "sovra: invalid configuration: " << config.error().message << "\n";
    return 2;
  }
  if (config->worker.secret.size() < 16) {
    std::cerr << "sovra: `sovra worker` needs worker.secret (SOVRA_WORKER_SECRET), at least 16 characters: the "
                 "shared secret its gateways present\n";
    return 2;
  }
  if (auto st = configure_logging({.level = config->log.level, .format = config->log.format}); !st) {
    std::cerr << "sovra: " << st.error().message << "\n";
    return 2;
  }
  const Logger log("app");
  log.info("starting worker", {{"version", build::kVersion}, {"commit", build::kCommit}});
  Logger("config").info("effective configuration", {{"config", print_config_redacted(*config)}});
  observability::register_build_info();

  auto readiness = std::make_shared<observability::Readiness>();
  if (auto st = check_model_files(config->models); !st) {
    std::cerr << "sovra: " << st.error().message << "\n";
    return 1;
  }
  auto catalog = describe_models(config->models);
  if (!catalog) {
    std::cerr << "sovra: " << catalog.error().message << "\n";
    return 1;
  }
  if (config->models.empty()) log.warn("no models configured: pass --model NAME=PATH.gguf");
  readiness->set("models", false, "loading " + std::to_string(config->models.size()) + " model(s)");
  auto local = load_local_models(*config, *catalog);
  if (!local) {
    log.error("model loading failed", {{"error", local.error().message}});
    std::cerr << "sovra: " << local.error().message << "\n";
    return 1;
  }
  readiness->set("models", true, std::to_string(local->loaded()) + " model(s) loaded");

  auto router = std::make_shared<http::Router>();
  router->use("/v1/", make_worker_secret_filter(config->worker.secret));
  add_system_routes(*router, {.readiness = readiness,
                              .debug_routes = config->server.debug_routes,
                              .sse_queue_events = static_cast<std::size_t>(config->server.sse_queue_events)});
  api::openai::add_model_routes(*router,
                                std::make_shared<const std::vector<api::ModelInfo>>(local->router->models()));
  // The gateways in front apply keys, limits, budgets, metering, audit and residency; the worker only runs calls.
  if (auto st = install_inference(*router, {.config = *config, .router = local->router}); !st) {
    std::cerr << "sovra: " << st.error().message << "\n";
    return 2;
  }
  return run_server(*config, router, log);
}

const CommandRegistration kWorker([](CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand(
      "worker", "Serve the engine only, behind gateways (its /v1/* API requires the shared secret worker.secret)");
  auto flags = std::make_shared<ConfigFlags>();
  flags->add_to(*cmd);
  cmd->callback([flags, &exit_code] { exit_code = worker(*flags); });
});

}  // namespace
}  // namespace sovra::app
