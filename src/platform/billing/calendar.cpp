#include "platform/billing/calendar.hpp"

#include <fmt/format.h>

#include <charconv>

namespace sovra::platform::billing {
namespace {

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm; no time zone database, no locale).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t y;
  unsigned m, d;
};

Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool digits(std::string_view s, int& out) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return std::from_chars(s.data(), s.data() + s.size(), out).ec == std::errc();
}

}  // namespace

Month month_of(std::int64_t t) {
  const auto c = civil_from_days(floor_div(t, 86400));
  return {static_cast<int>(c.y), static_cast<int>(c.m)};
}

std::int64_t month_start(Month m) { return days_from_civil(m.year, static_cast<unsigned>(m.month), 1) * 86400; }

Month next_month(Month m) { return m.month == 12 ? Month{m.year + 1, 1} : Month{m.year, m.month + 1}; }

std::string format_month(Month m) { return fmt::format("{:04d}-{:02d}", m.year, m.month); }

Result<Month> parse_month(std::string_view t) {
  Month m;
  if (t.size() != 7 || t[4] != '-' || !digits(t.substr(0, 4), m.year) || !digits(t.substr(5, 2), m.month) ||
      m.month < 1 || m.month > 12 || m.year < 1970) {
    return Error::invalid("'" + std::string(t.substr(0, 20)) + "' is not a month (YYYY-MM, e.g. 2026-11).");
  }
  return m;
}

Result<std::int64_t> parse_utc_time(std::string_view t) {
  const auto bad = [&] {
    return Error::invalid("'" + std::string(t.substr(0, 40)) +
                          "' is not a time: use YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC) or Unix seconds.");
  };
  if (!t.empty() && t.find_first_not_of("0123456789") == std::string_view::npos) {
    std::int64_t v = 0;
    if (t.size() > 12 || std::from_chars(t.data(), t.data() + t.size(), v).ec != std::errc()) return bad();
    return v;
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (t.size() < 10 || t[4] != '-' || t[7] != '-' || !digits(t.substr(0, 4), y) || !digits(t.substr(5, 2), mo) ||
      !digits(t.substr(8, 2), d)) {
    return bad();
  }
  if (t.size() > 10) {
    if (t.size() != 20 || (t[10] != 'T' && t[10] != ' ') || t[13] != ':' || t[16] != ':' || t[19] != 'Z' ||
        !digits(t.substr(11, 2), h) || !digits(t.substr(14, 2), mi) || !digits(t.substr(17, 2), s)) {
      return bad();
    }
  }
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return bad();
  const Month next = next_month({y, mo});
  if (d > (month_start(next) - month_start({y, mo})) / 86400) return bad();
  return days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + s;
}

std::string format_utc_date(std::int64_t t) {
  const std::int64_t days = floor_div(t, 86400);
  const auto c = civil_from_days(days);
  const std::int64_t rem = t - days * 86400;
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z", c.y, c.m, c.d, rem / 3600, rem / 60 % 60, rem % 60);
}

}  // namespace sovra::platform::billing
