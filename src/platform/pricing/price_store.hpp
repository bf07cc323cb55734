#pragma once
// The price book and the organisations' billing currencies in the store's database (tables `prices`,
// `billing_accounts`, migration 2). Blocking: call from a store executor thread or at start-up.
#include <map>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "platform/pricing/price.hpp"
#include "store/sql.hpp"

namespace sovra::platform::pricing {

class PriceStore {
 public:
  explicit PriceStore(store::SqlDatabase& db) : db_(db) {}

  // Adds an entry (id and created_at assigned when empty). The same (model, currency, effective_from) with the same
  // amounts again is a no-op returning the stored entry; with other amounts it is a conflict — history is never
  // rewritten: add an entry with a later effective_from instead. For the same reason an entry may not start in the
  // past (more than a minute before `now`) once the model has a price in that currency: calls since then were
  // charged at the old one.
  Result<Price> add(Price p, std::int64_t now);
  Result<std::vector<Price>> all();

  // The organisation's billing currency; `fallback` when it never chose one.
  Result<std::string> currency_of(const std::string& org_id, const std::string& fallback);
  Result<std::map<std::string, std::string>> all_currencies();  // org id → currency
  Status set_currency(const std::string& org_id, const std::string& currency, std::int64_t now);

 private:
  store::SqlDatabase& db_;
};

}  // namespace sovra::platform::pricing
