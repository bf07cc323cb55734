// `sovra version`: what this binary is.
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/command.hpp"
#include "common/build_info.hpp"

namespace sovra::app {
namespace {

const CommandRegistration kVersion([](CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("version", "Print the version, commit and compiler of this build");
  cmd->callback([&exit_code] {
    std::cout << "sovra " << build::kVersion << " (commit " << build::kCommit << ", " << build::kCompiler << ", "
              << build::kBuildType << ")\n";
    exit_code = 0;
  });
});

}  // namespace
}  // namespace sovra::app
