// `sovra serve`: the gateway and embedded engine in one process.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "api/openai/models.hpp"
#include "api/openai/tokenize.hpp"
#include "app/audit_wiring.hpp"
#include "app/command.hpp"
#include "app/config_flags.hpp"
#include "app/data_dir.hpp"
#include "app/inference_wiring.hpp"
#include "app/local_models.hpp"
#include "app/metering_wiring.hpp"
#include "app/model_catalog.hpp"
#include "app/model_files.hpp"
#include "app/platform_wiring.hpp"
#include "app/run_server.hpp"
#include "app/system_routes.hpp"
#include "common/build_info.hpp"
#include "common/logging.hpp"
#include "observability/metrics.hpp"

namespace sovra::app {
namespace {

int serve(const ConfigFlags& flags) {
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
  log.info("starting", {{"version", build::kVersion}, {"commit", build::kCommit}});
  {
    // The effective configuration, once, with secrets redacted.
    const Logger config_log("config");
    config_log.info("effective configuration", {{"config", print_config_redacted(*config)}});
  }
  observability::register_build_info();

  auto readiness = std::make_shared<observability::Readiness>();
  readiness->set("store", false, "opening data directory");
  readiness->set("models", false, "checking model files");

  auto lock = DataDirLock::acquire(config->data_dir);
  if (!lock) {
    log.error("cannot open data directory", {{"error", lock.error().message}});
    std::cerr << "sovra: " << lock.error().message << "\n";
    return 1;
  }
  auto platform = Platform::start(*config, {.bootstrap = true});
  if (!platform) {
    log.error("cannot open the store", {{"error", platform.error().message}});
    std::cerr << "sovra: " << platform.error().message << "\n";
    return 1;
  }
  readiness->set("store", true, config->data_dir);

  if (auto st = check_model_files(config->models); !st) {
    log.error("model check failed", {{"error", st.error().message}});
    std::cerr << "sovra: " << st.error().message << "\n";
    return 1;
  }
  auto catalog = describe_models(config->models);
  if (!catalog) {
    log.error("model check failed", {{"error", catalog.error().message}});
    std::cerr << "sovra: " << catalog.error().message << "\n";
    return 1;
  }
  for (const auto& m : config->models) log.info("model configured", {{"model", m.name}, {"path", m.path}});
  if (config->models.empty()) log.warn("no models configured: pass --model NAME=PATH.gguf to serve one");
  readiness->set("models", false, "loading " + std::to_string(config->models.size()) + " model(s)");
  auto local = load_local_models(*config, *catalog);
  if (!local) {
    log.error("model loading failed", {{"error", local.error().message}});
    std::cerr << "sovra: " << local.error().message << "\n";
    return 1;
  }
  readiness->set("models", true, std::to_string(local->loaded()) + " model(s) loaded");
  const auto& model_router = local->router;
  const auto& engines = local->engines;
  log.info("models routed", {{"models", static_cast<std::uint64_t>(model_router->models().size())}});

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
  api::openai::add_model_routes(*router,
                                std::make_shared<const std::vector<api::ModelInfo>>(model_router->models()),
                                metering ? metering->prices_of() : api::openai::PricesOf{});
  {
    std::vector<std::string> names;
    for (const auto& [name, backend] : engines.backends) names.push_back(name);
    auto backends = engines.backends;
    api::openai::add_tokenize_routes(
        *router, {.find = [backends](const std::string& model) -> std::shared_ptr<const routing::PromptTokenizer> {
                    const auto it = backends.find(model);
                    return it == backends.end() ? nullptr : it->second;
                  },
                  .models = std::move(names)});
  }
  (*platform)->install(*router);
  if (metering) metering->install(*router);
  if (auto st = install_inference(*router, {.config = *config,
                                            .platform = platform->get(),
                                            .metering = metering.get(),
                                            .router = model_router,
                                            .deployments = model_router->deployment_infos()});
      !st) {
    log.error("cannot start the inference path", {{"error", st.error().message}});
    std::cerr << "sovra: " << st.error().message << "\n";
    return 2;
  }

  return run_server(*config, router, **platform, log);
}

const CommandRegistration kServe([](CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("serve", "Serve the OpenAI/Anthropic API with the embedded engine (one machine)");
  auto flags = std::make_shared<ConfigFlags>();
  flags->add_to(*cmd);
  cmd->callback([flags, &exit_code] { exit_code = serve(*flags); });
});

}  // namespace
}  // namespace sovra::app
