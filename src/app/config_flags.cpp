#include "app/config_flags.hpp"

#include <CLI/CLI.hpp>

namespace sovra::app {

void ConfigFlags::add_to(CLI::App& cmd) {
  cmd.add_option("-c,--config", config_file, "YAML configuration file (also SOVRA_CONFIG)");
  cmd.add_option("--listen", listen, "HOST:PORT to listen on (server.listen)");
  cmd.add_option("--data-dir", data_dir, "directory for state (data_dir)");
  cmd.add_option("--log-level", log_level, "trace, debug, info, warn, error, off (log.level)");
  cmd.add_option("--log-format", log_format, "json or text (log.format)");
  cmd.add_option("--threads", threads, "I/O threads, 0 = one per core (server.threads)");
  cmd.add_option("-m,--model", models, "serve a model: NAME=PATH.gguf (repeatable)");
  cmd.add_flag("--insecure-no-auth", insecure_no_auth,
               "let /v1/* requests without an API key through (local experiments only; auth.insecure_no_auth)");
  cmd.add_option("--set", sets, "override any setting: KEY=VALUE, e.g. server.max_body_bytes=1048576 (repeatable)");
}

Result<Config> ConfigFlags::load() const {
  ConfigSources sources;
  sources.environment = sovra_environment();
  sources.file = config_file;
  if (!sources.file) {
    if (auto it = sources.environment.find("SOVRA_CONFIG"); it != sources.environment.end() && !it->second.empty()) {
      sources.file = it->second;
    }
  }
  auto& o = sources.overrides;
  for (const auto& kv : sets) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return Error::invalid("--set expects KEY=VALUE, got '" + kv + "'");
    o.values.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  if (listen) o.values.emplace_back("server.listen", *listen);
  if (data_dir) o.values.emplace_back("data_dir", *data_dir);
  if (log_level) o.values.emplace_back("log.level", *log_level);
  if (log_format) o.values.emplace_back("log.format", *log_format);
  if (threads) o.values.emplace_back("server.threads", std::to_string(*threads));
  if (insecure_no_auth) o.values.emplace_back("auth.insecure_no_auth", "true");
  o.models = models;
  return load_config(sources);
}

}  // namespace sovra::app
