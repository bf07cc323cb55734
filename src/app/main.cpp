#include <CLI/CLI.hpp>

#include <iostream>

#include "app/command.hpp"
#include "common/build_info.hpp"

namespace sovra::app {
namespace {
std::vector<CommandSetup>& commands() {
  static std::vector<CommandSetup> list;
  return list;
}
}  // namespace

CommandRegistration::CommandRegistration(CommandSetup setup) { commands().push_back(std::move(setup)); }
const std::vector<CommandSetup>& registered_commands() { return commands(); }

}  // namespace sovra::app

int main(int argc, char** argv) {
  CLI::App app{"Sovra: a self-hostable AI inference service (OpenAI and Anthropic APIs)", "sovra"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("sovra ") + sovra::build::kVersion);
  int exit_code = 0;
  for (const auto& setup : sovra::app::registered_commands()) setup(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
