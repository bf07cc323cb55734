#pragma once
// Command-line flags shared by commands that read the configuration (serve, config check, …).
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "config/config.hpp"
#include "config/load.hpp"

namespace CLI {
class App;
}

namespace sovra::app {

struct ConfigFlags {
  std::optional<std::string> config_file;
  std::optional<std::string> listen;
  std::optional<std::string> data_dir;
  std::optional<std::string> log_level;
  std::optional<std::string> log_format;
  std::optional<std::int64_t> threads;
  bool insecure_no_auth = false;    // --insecure-no-auth (auth.insecure_no_auth)
  std::vector<std::string> models;  // NAME=PATH
  std::vector<std::string> sets;    // KEY=VALUE

  void add_to(CLI::App& cmd);
  // File (--config or SOVRA_CONFIG) → SOVRA_* environment → these flags.
  Result<Config> load() const;
};

}  // namespace sovra::app
