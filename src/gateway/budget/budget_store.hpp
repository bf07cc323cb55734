#pragma once
// Monthly money budgets (table `budgets`, migration 2): one per organisation (project_id empty) and one per
// project at most, in the organisation's billing currency, per calendar month (UTC).
//   hard: a call whose worst-case cost would take the month's spend over the amount is refused up front;
//   soft: the call goes ahead and is flagged (x-sovra-budget-warning header, log line, metric).
// Blocking: call from a store executor thread or at start-up.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "platform/pricing/money.hpp"
#include "store/sql.hpp"

namespace sovra::gateway::budget {

struct Budget {
  std::string org_id;
  std::string project_id;  // empty: the whole organisation
  platform::pricing::Money amount;
  bool hard = true;
  std::int64_t updated_at = 0;
  bool operator==(const Budget&) const = default;
};

class BudgetStore {
 public:
  explicit BudgetStore(store::SqlDatabase& db) : db_(db) {}
  Status set(const Budget& b);  // replaces the scope's budget
  Status remove(const std::string& org_id, const std::string& project_id);  // not-found when absent
  Result<std::vector<Budget>> list(const std::string& org_id);
  Result<std::vector<Budget>> all();

 private:
  store::SqlDatabase& db_;
};

// All budgets in memory, for admission (no I/O on the hot path); reloaded by its owner after changes.
class BudgetBook {
 public:
  void set(std::vector<Budget> budgets);
  // The organisation's budget and the project's, where set.
  std::vector<Budget> for_call(const std::string& org_id, const std::string& project_id) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Budget> budgets_;
};

}  // namespace sovra::gateway::budget
