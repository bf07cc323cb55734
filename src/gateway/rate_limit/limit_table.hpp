#pragma once
// Which limits apply to a call: the rules of the store (organisation, project and API-key scopes, for all models
// "*" or for one model) over the defaults of the configuration. Held in memory as an immutable snapshot that
// admission reads without locks held across the call; replaced whole when the store's rules change.
//
// For a call by key K of project P in organisation O for model M, the rules are, per scope K, P, O:
//   the scope's "*" rule (stored, else the configured default for that scope, when it limits anything) and
//   the scope's rule for M (stored only).
// Every rule that applies must allow the call.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "platform/principal.hpp"
#include "store/records.hpp"

namespace sovra::gateway::rate_limit {

struct LimitValues {
  std::int64_t requests_per_minute = 0;  // 0: no limit on this measure
  std::int64_t requests_per_day = 0;
  std::int64_t tokens_per_minute = 0;
  std::int64_t tokens_per_day = 0;
  std::int64_t concurrent_requests = 0;
  bool any() const {
    return requests_per_minute > 0 || requests_per_day > 0 || tokens_per_minute > 0 || tokens_per_day > 0 ||
           concurrent_requests > 0;
  }
  static LimitValues of(const store::RateLimitRecord& r);
};

enum class Scope : std::uint8_t { kKey, kProject, kOrganization };

const char* scope_name(Scope s);  // "api key", "project", "organization"

struct AppliedRule {
  Scope scope = Scope::kKey;
  std::string scope_id;
  std::string model;  // "*" or a model id
  LimitValues values;
};

struct LimitDefaults {
  LimitValues organization;
  LimitValues project;
  LimitValues key;
};

class LimitTable {
 public:
  explicit LimitTable(LimitDefaults defaults = {});
  // Thread-safe; calls in flight keep the snapshot they started with.
  void replace(const std::vector<store::RateLimitRecord>& rules);
  std::vector<AppliedRule> rules_for(const platform::Principal& who, std::string_view model) const;
  std::size_t size() const;

 private:
  struct Snapshot {
    // "k:<key id>", "p:<project id>", "o:<org id>" → model ("*" or id) → values
    std::unordered_map<std::string, std::unordered_map<std::string, LimitValues>> rules;
    std::size_t count = 0;
  };
  std::shared_ptr<const Snapshot> snapshot() const;

  LimitDefaults defaults_;
  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> snapshot_;
};

}  // namespace sovra::gateway::rate_limit
