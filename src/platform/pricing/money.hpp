#pragma once
// Exact amounts of money: a signed count of nanos (1e-9 of a currency unit), never floating point.
//
// Why nanos: prices are quoted per 1M tokens with up to 3 decimals (0.125 EUR / 1M tokens), so one token costs a
// whole number of nanos and a call's token cost is exact. int64 nanos hold ±9.2e9 currency units: far above any
// monthly invoice; every arithmetic operation checks for overflow and fails instead of wrapping.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace sovra::platform::pricing {

struct Money {
  std::int64_t nanos = 0;
  auto operator<=>(const Money&) const = default;
};

inline constexpr std::int64_t kNanosPerUnit = 1'000'000'000;

// "12", "0.5", "-3.000000125" (at most 9 decimals; no exponent, no '+'); anything else is a clear error.
Result<Money> parse_money(std::string_view text);
// Shortest exact decimal: "0", "12", "0.5", "-3.000000125".
std::string format_money(Money m);
// Rounded half away from zero to `decimals` (0…9) and always printed with them: format_money_fixed({1'005'000'000}, 2)
// == "1.01" (invoices show cents).
std::string format_money_fixed(Money m, int decimals);

Result<Money> add(Money a, Money b);
// `m` × n, exactly.
Result<Money> multiply(Money m, std::int64_t n);
// m × num / den, rounded half away from zero (used where a price per minute meets milliseconds).
Result<Money> multiply_ratio(Money m, std::int64_t num, std::int64_t den);

}  // namespace sovra::platform::pricing
