#include "gateway/budget/budget_store.hpp"

namespace sovra::gateway::budget {
namespace {

Budget from_row(const store::SqlRow& r) {
  Budget b;
  b.org_id = r[0].value_or("");
  b.project_id = r[1].value_or("");
  b.amount = {r[2] ? std::stoll(*r[2]) : 0};
  b.hard = r[3] && *r[3] != "0";
  b.updated_at = r[4] ? std::stoll(*r[4]) : 0;
  return b;
}

Result<std::vector<Budget>> query(store::SqlDatabase& db, const std::string& sql,
                                  const std::vector<store::SqlValue>& params) {
  std::vector<Budget> out;
  auto st = db.transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query(sql, params));
    for (const auto& r : rows.rows) out.push_back(from_row(r));
    return {};
  });
  if (!st) return st.error();
  return out;
}

}  // namespace

Status BudgetStore::set(const Budget& b) {
  if (b.amount.nanos < 0) return Error::invalid("'amount' must not be negative.", "amount");
  return db_.transaction([&](store::SqlSession& s) -> Status {
    SOVRA_CHECK(s.query("DELETE FROM budgets WHERE org_id = ? AND project_id = ?", {b.org_id, b.project_id}));
    SOVRA_CHECK(s.query("INSERT INTO budgets (org_id, project_id, amount_nanos, hard, updated_at) VALUES (?, ?, ?, ?, ?)",
                        {b.org_id, b.project_id, b.amount.nanos, std::int64_t{b.hard ? 1 : 0}, b.updated_at}));
    return {};
  });
}

Status BudgetStore::remove(const std::string& org_id, const std::string& project_id) {
  return db_.transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(auto r, s.query("DELETE FROM budgets WHERE org_id = ? AND project_id = ?", {org_id, project_id}));
    if (r.affected == 0) return Error::not_found("No budget is set for this scope.");
    return {};
  });
}

Result<std::vector<Budget>> BudgetStore::list(const std::string& org_id) {
  return query(db_,
               "SELECT org_id, project_id, amount_nanos, hard, updated_at FROM budgets WHERE org_id = ?"
               " ORDER BY project_id",
               {org_id});
}

Result<std::vector<Budget>> BudgetStore::all() {
  return query(db_, "SELECT org_id, project_id, amount_nanos, hard, updated_at FROM budgets ORDER BY org_id, project_id",
               {});
}

void BudgetBook::set(std::vector<Budget> budgets) {
  std::map<std::pair<std::string, std::string>, Budget> m;
  for (auto& b : budgets) {
    auto key = std::make_pair(b.org_id, b.project_id);
    m[std::move(key)] = std::move(b);
  }
  std::lock_guard lock(mu_);
  budgets_ = std::move(m);
}

std::vector<Budget> BudgetBook::for_call(const std::string& org_id, const std::string& project_id) const {
  std::vector<Budget> out;
  std::lock_guard lock(mu_);
  if (auto it = budgets_.find({org_id, ""}); it != budgets_.end()) out.push_back(it->second);
  if (!project_id.empty()) {
    if (auto it = budgets_.find({org_id, project_id}); it != budgets_.end()) out.push_back(it->second);
  }
  return out;
}

}  // namespace sovra::gateway::budget
