#include <CLI/CLI.hpp>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <cstdlib>
#include <cstring>
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

namespace {

// glibc gives every thread that allocates an arena of its own (up to 8 per core), and memory freed into one arena is
// not reused by another: a gateway's buffers, allocated on one thread and freed on another as calls come and go,
// spread over arenas and RSS creeps up. Two arenas held `bench/gateway_memory`'s 1 000 reopened streams at 58.7 MiB
// after 5 minutes where the default reached 64.3 MiB (and 67.1 MiB after 10), for ~6% more CPU per relayed JSON
// call. An operator's own MALLOC_ARENA_MAX or glibc.malloc.arena_max tunable wins.
// Built with jemalloc (app/jemalloc_conf.cpp) glibc's malloc is not in use and this is skipped.
void limit_malloc_arenas() {
#if defined(__GLIBC__) && !defined(SOVRA_WITH_JEMALLOC)
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return;
  if (const char* t = std::getenv("GLIBC_TUNABLES"); t != nullptr && std::strstr(t, "arena_max") != nullptr) return;
  (void)mallopt(M_ARENA_MAX, 2);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  limit_malloc_arenas();  // before any thread starts
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
