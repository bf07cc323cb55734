#pragma once
// An immutable snapshot of every price entry, for lookups on the hot path (no I/O). PriceBookCache (below)
// holds the current snapshot and swaps in a new one after a change.
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "platform/pricing/price.hpp"

namespace sovra::platform::pricing {

class PriceBook {
 public:
  PriceBook() = default;
  explicit PriceBook(std::vector<Price> prices);  // any order

  // The entry for `model` in `currency` in force at `at` (Unix seconds): the latest effective_from <= at.
  const Price* find(std::string_view model, std::string_view currency, std::int64_t at) const;
  // The entries in force at `at`, one per (model, currency), ordered by model then currency.
  std::vector<Price> current(std::int64_t at) const;
  const std::vector<Price>& all() const { return prices_; }  // by model, currency, effective_from

 private:
  std::vector<Price> prices_;
};

class PriceBookCache {
 public:
  std::shared_ptr<const PriceBook> get() const;
  void set(std::shared_ptr<const PriceBook> book);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const PriceBook> book_ = std::make_shared<PriceBook>();
};

}  // namespace sovra::platform::pricing
