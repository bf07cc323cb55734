#pragma once
// Sub-commands register themselves: each src/app/cmd_*.cpp defines a static CommandRegistration that adds its
// CLI11 sub-command. main() needs no list of commands.
#include <functional>
#include <vector>

namespace CLI {
class App;
}

namespace sovra::app {

// Adds a sub-command to `root`. The callback it installs sets `exit_code` when the command runs.
using CommandSetup = std::function<void(CLI::App& root, int& exit_code)>;

struct CommandRegistration {
  explicit CommandRegistration(CommandSetup setup);
};

const std::vector<CommandSetup>& registered_commands();

}  // namespace sovra::app
