// `sovra config check`: validate a configuration and print the effective result, secrets redacted.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "app/command.hpp"
#include "app/config_flags.hpp"

namespace sovra::app {
namespace {

const CommandRegistration kConfig([](CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("config", "Configuration tools");
  cmd->require_subcommand(1);
  auto* check = cmd->add_subcommand("check", "Validate the configuration and print the effective settings");
  auto flags = std::make_shared<ConfigFlags>();
  flags->add_to(*check);
  check->callback([flags, &exit_code] {
    auto config = flags->load();
    if (!config) {
      std::cerr << "sovra: invalid configuration: " << config.error().message << "\n";
      exit_code = 2;
      return;
    }
    std::cout << "# effective configuration (defaults < file < SOVRA_* environment < flags)\n"
              << print_config_redacted(*config);
    exit_code = 0;
  });
});

}  // namespace
}  // namespace sovra::app
