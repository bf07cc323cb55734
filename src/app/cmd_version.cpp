// `sovra version`: what this binary is.
#include <CLI/CLI.hpp>

#include <dlfcn.h>

#include <cstddef>
#include <iostream>
#include <string>

#include "app/command.hpp"
#include "common/build_info.hpp"

namespace sovra::app {
namespace {

// The malloc this process runs on: jemalloc's, when its mallctl is reachable (the binary links it in place of
// glibc's: cmake/Dependencies.cmake), with its version and the options in force; the C library's otherwise.
std::string allocator() {
  using Mallctl = int (*)(const char*, void*, std::size_t*, void*, std::size_t);
  auto* mallctl = reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"));
  if (mallctl == nullptr) return "system malloc";
  const char* version = nullptr;
  std::size_t size = sizeof version;
  std::string out = "jemalloc";
  if (mallctl("version", static_cast<void*>(&version), &size, nullptr, 0) == 0 && version != nullptr) {
    out += std::string(" ") + version;
  }
  unsigned narenas = 0;
  size = sizeof narenas;
  if (mallctl("opt.narenas", &narenas, &size, nullptr, 0) == 0) out += ", " + std::to_string(narenas) + " arenas";
  return out;
}

const CommandRegistration kVersion([](CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("version", "Print the version, commit and compiler of this build");
  cmd->callback([&exit_code] {
    std::cout << "sovra " << build::kVersion << " (commit " << build::kCommit << ", " << build::kCompiler << ", "
              << build::kBuildType << ")\n"
              << "malloc: " << allocator() << "\n";
    exit_code = 0;
  });
});

}  // namespace
}  // namespace sovra::app
