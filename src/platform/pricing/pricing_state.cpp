#include "platform/pricing/pricing_state.hpp"

namespace sovra::platform::pricing {

std::string PricingState::currency_of(const std::string& org_id) const {
  std::lock_guard lock(mu_);
  const auto it = currencies_.find(org_id);
  return it != currencies_.end() ? it->second : default_currency_;
}

const Price* PricingState::price_for(const PriceBook& book, const std::string& org_id, std::string_view model,
                                     std::int64_t at_seconds) const {
  return book.find(model, currency_of(org_id), at_seconds);
}

Status PricingState::reload(PriceStore& store) {
  SOVRA_TRY(auto prices, store.all());
  SOVRA_TRY(auto currencies, store.all_currencies());
  set(std::make_shared<const PriceBook>(std::move(prices)), std::move(currencies));
  return {};
}

void PricingState::set(std::shared_ptr<const PriceBook> book, std::map<std::string, std::string> currencies) {
  book_.set(std::move(book));
  std::lock_guard lock(mu_);
  currencies_ = std::move(currencies);
}

}  // namespace sovra::platform::pricing
