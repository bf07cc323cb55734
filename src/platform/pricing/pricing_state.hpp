#pragma once
// What the hot path needs from pricing, in memory: the price book snapshot and each organisation's billing
// currency. Reloaded from the store after a change (admin API, CLI, another replica) by its owner; lookups never
// touch the database.
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "platform/pricing/price_book.hpp"
#include "platform/pricing/price_store.hpp"

namespace sovra::platform::pricing {

class PricingState {
 public:
  explicit PricingState(std::string default_currency) : default_currency_(std::move(default_currency)) {}

  std::shared_ptr<const PriceBook> book() const { return book_.get(); }
  std::string currency_of(const std::string& org_id) const;
  const std::string& default_currency() const { return default_currency_; }

  // The price of `model` for the organisation's currency at `at_seconds`; null when the book has none.
  const Price* price_for(const PriceBook& book, const std::string& org_id, std::string_view model,
                         std::int64_t at_seconds) const;

  Status reload(PriceStore& store);  // blocking
  void set(std::shared_ptr<const PriceBook> book, std::map<std::string, std::string> currencies);

 private:
  std::string default_currency_;
  PriceBookCache book_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> currencies_;
};

}  // namespace sovra::platform::pricing
