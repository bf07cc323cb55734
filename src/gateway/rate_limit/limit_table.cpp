#include "gateway/rate_limit/limit_table.hpp"

namespace sovra::gateway::rate_limit {

LimitValues LimitValues::of(const store::RateLimitRecord& r) {
  return {r.requests_per_minute, r.requests_per_day, r.tokens_per_minute, r.tokens_per_day, r.concurrent_requests};
}

const char* scope_name(Scope s) {
  switch (s) {
    case Scope::kKey: return "api key";
    case Scope::kProject: return "project";
    case Scope::kOrganization: return "organization";
  }
  return "?";
}

LimitTable::LimitTable(LimitDefaults defaults)
    : defaults_(defaults), snapshot_(std::make_shared<const Snapshot>()) {}

void LimitTable::replace(const std::vector<store::RateLimitRecord>& rules) {
  auto next = std::make_shared<Snapshot>();
  for (const auto& r : rules) {
    std::string scope = !r.key_id.empty() ? "k:" + r.key_id : !r.project_id.empty() ? "p:" + r.project_id : "o:" + r.org_id;
    next->rules[scope][r.model] = LimitValues::of(r);
    ++next->count;
  }
  std::lock_guard lock(mu_);
  snapshot_ = std::move(next);
}

std::shared_ptr<const LimitTable::Snapshot> LimitTable::snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

std::size_t LimitTable::size() const { return snapshot()->count; }

std::vector<AppliedRule> LimitTable::rules_for(const platform::Principal& who, std::string_view model) const {
  const auto snap = snapshot();
  std::vector<AppliedRule> out;
  auto scope = [&](Scope s, const std::string& id, char tag, const LimitValues& fallback) {
    if (id.empty()) return;
    const auto it = snap->rules.find(std::string(1, tag) + ":" + id);
    const std::unordered_map<std::string, LimitValues>* models = it == snap->rules.end() ? nullptr : &it->second;
    const LimitValues* all = nullptr;
    if (models != nullptr) {
      if (auto m = models->find("*"); m != models->end()) all = &m->second;
    }
    if (all == nullptr && fallback.any()) all = &fallback;
    if (all != nullptr && all->any()) out.push_back({s, id, "*", *all});
    if (models != nullptr && model != "*") {
      if (auto m = models->find(std::string(model)); m != models->end() && m->second.any()) {
        out.push_back({s, id, std::string(model), m->second});
      }
    }
  };
  scope(Scope::kKey, who.key_id, 'k', defaults_.key);
  scope(Scope::kProject, who.project_id, 'p', defaults_.project);
  scope(Scope::kOrganization, who.org_id, 'o', defaults_.organization);
  return out;
}

}  // namespace sovra::gateway::rate_limit
