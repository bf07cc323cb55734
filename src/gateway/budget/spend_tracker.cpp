#include "gateway/budget/spend_tracker.hpp"

#include <algorithm>

namespace sovra::gateway::budget {

bool SpendTracker::loaded(const ScopeKey& key) const {
  std::lock_guard lock(mu_);
  return entries_.count(key) != 0;
}

Status SpendTracker::load(const ScopeKey& key) {
  if (loaded(key)) return {};
  SOVRA_TRY(auto spent, loader_(key));
  std::lock_guard lock(mu_);
  entries_.emplace(key, Entry{spent, 0, spent});  // no-op when another thread loaded it meanwhile
  return {};
}

SpendTracker::Verdict SpendTracker::reserve(const std::vector<Limit>& limits, platform::pricing::Money worst,
                                            std::int64_t share) {
  Verdict v;
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < limits.size(); ++i) {
    const auto& l = limits[i];
    const Entry& e = entries_[l.key];
    std::int64_t allowed = l.amount.nanos;
    if (share > 1 && allowed > e.base) allowed = e.base + (allowed - e.base) / share;
    // An overflowing sum is treated as over any budget.
    std::int64_t total = 0;
    const bool overflow = __builtin_add_overflow(e.spent, e.reserved, &total) ||
                          __builtin_add_overflow(total, worst.nanos, &total);
    if (overflow || total > allowed) {
      if (l.hard) {
        v.admitted = false;
        v.refused_by = static_cast<int>(i);
        v.spent_nanos = e.spent;
        v.reserved_nanos = e.reserved;
        return v;
      }
      if (v.soft_crossed.empty()) {
        v.spent_nanos = e.spent;
        v.reserved_nanos = e.reserved;
      }
      v.soft_crossed.push_back(i);
    }
  }
  for (const auto& l : limits) entries_[l.key].reserved += worst.nanos;
  return v;
}

void SpendTracker::settle(const std::vector<ScopeKey>& keys, platform::pricing::Money reserved,
                          platform::pricing::Money actual) {
  std::lock_guard lock(mu_);
  for (const auto& k : keys) {
    const auto it = entries_.find(k);
    if (it == entries_.end()) continue;  // forgotten meanwhile
    it->second.reserved = std::max<std::int64_t>(it->second.reserved - reserved.nanos, 0);
    it->second.spent += actual.nanos;
  }
}

void SpendTracker::forget() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

std::int64_t SpendTracker::spent(const ScopeKey& key) const {
  std::lock_guard lock(mu_);
  const auto it = entries_.find(key);
  return it == entries_.end() ? 0 : it->second.spent;
}

std::int64_t SpendTracker::reserved(const ScopeKey& key) const {
  std::lock_guard lock(mu_);
  const auto it = entries_.find(key);
  return it == entries_.end() ? 0 : it->second.reserved;
}

}  // namespace sovra::gateway::budget
