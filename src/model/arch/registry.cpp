#include <algorithm>
#include <memory>

#include "model/arch/architecture.hpp"

namespace sovra::model {
namespace {
std::vector<std::unique_ptr<ArchitectureSpec>>& registry() {
  static std::vector<std::unique_ptr<ArchitectureSpec>> specs;
  return specs;
}
}  // namespace

ArchitectureRegistration::ArchitectureRegistration(ArchitectureSpec spec) {
  registry().push_back(std::make_unique<ArchitectureSpec>(std::move(spec)));
}

const ArchitectureSpec* find_architecture(std::string_view name) {
  link_builtin_architectures();
  for (const auto& s : registry()) {
    if (s->name == name) return s.get();
  }
  return nullptr;
}

std::vector<std::string> architecture_names() {
  link_builtin_architectures();
  std::vector<std::string> names;
  for (const auto& s : registry()) names.push_back(s->name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace sovra::model
