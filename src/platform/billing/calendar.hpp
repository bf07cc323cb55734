#pragma once
// UTC calendar arithmetic for billing periods: budgets and invoices are per calendar month in UTC.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace sovra::platform::billing {

struct Month {
  int year = 1970;
  int month = 1;  // 1…12
  auto operator<=>(const Month&) const = default;
};

Month month_of(std::int64_t unix_seconds);
std::int64_t month_start(Month m);  // Unix seconds of the 1st, 00:00:00 UTC
Month next_month(Month m);
std::string format_month(Month m);                  // "2026-11"
Result<Month> parse_month(std::string_view text);   // "2026-11"

// "2026-11-01", "2026-11-01T12:30:00Z" or Unix seconds as digits → Unix seconds (UTC).
Result<std::int64_t> parse_utc_time(std::string_view text);
std::string format_utc_date(std::int64_t unix_seconds);  // "2026-11-01T00:00:00Z"

}  // namespace sovra::platform::billing
