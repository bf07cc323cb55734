#include "observability/readiness.hpp"

#include "common/json_escape.hpp"

namespace sovra::observability {

void Readiness::set(const std::string& component, bool ready, std::string detail) {
  std::lock_guard lock(mu_);
  components_[component] = State{ready, std::move(detail)};
}

bool Readiness::all_ready() const {
  std::lock_guard lock(mu_);
  for (const auto& [name, s] : components_) {
    if (!s.ready) return false;
  }
  return !components_.empty();
}

std::string Readiness::to_json() const {
  std::lock_guard lock(mu_);
  bool ready = !components_.empty();
  std::string parts;
  for (const auto& [name, s] : components_) {
    ready = ready && s.ready;
    if (!parts.empty()) parts += ',';
    parts += '"';
    append_json_escaped(parts, name);
    parts += R"(":{"ready":)";
    parts += s.ready ? "true" : "false";
    parts += R"(,"detail":")";
    append_json_escaped(parts, s.detail);
    parts += "\"}";
  }
  return std::string(R"({"status":")") + (ready ? "ready" : "not_ready") + R"(","components":{)" + parts + "}}";
}

}  // namespace sovra::observability
