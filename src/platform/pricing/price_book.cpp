#include "platform/pricing/price_book.hpp"

#include <algorithm>
#include <tuple>

namespace sovra::platform::pricing {

PriceBook::PriceBook(std::vector<Price> prices) : prices_(std::move(prices)) {
  std::sort(prices_.begin(), prices_.end(), [](const Price& a, const Price& b) {
    return std::tie(a.model, a.currency, a.effective_from) < std::tie(b.model, b.currency, b.effective_from);
  });
}

const Price* PriceBook::find(std::string_view model, std::string_view currency, std::int64_t at) const {
  const Price* best = nullptr;
  for (const auto& p : prices_) {
    if (p.model == model && p.currency == currency && p.effective_from <= at) best = &p;  // sorted: last wins
  }
  return best;
}

std::vector<Price> PriceBook::current(std::int64_t at) const {
  std::vector<Price> out;
  for (const auto& p : prices_) {
    if (p.effective_from > at) continue;
    if (!out.empty() && out.back().model == p.model && out.back().currency == p.currency) {
      out.back() = p;
    } else {
      out.push_back(p);
    }
  }
  return out;
}

std::shared_ptr<const PriceBook> PriceBookCache::get() const {
  std::lock_guard lock(mu_);
  return book_;
}

void PriceBookCache::set(std::shared_ptr<const PriceBook> book) {
  std::lock_guard lock(mu_);
  book_ = std::move(book);
}

}  // namespace sovra::platform::pricing
