#include "platform/pricing/money.hpp"

#include <cstdlib>
#include <limits>

namespace sovra::platform::pricing {
namespace {

// 128-bit intermediates keep products of two int64 exact before the overflow check (GCC and Clang builtin).
__extension__ using Wide = __int128;
__extension__ using UWide = unsigned __int128;

Error overflow() { return Error::invalid("The amount is too large (more than 9.2e9 currency units)."); }

}  // namespace

Result<Money> parse_money(std::string_view text) {
  const auto bad = [&] {
    return Error::invalid("'" + std::string(text.substr(0, 40)) +
                          "' is not a decimal amount (digits, an optional '.' and at most 9 decimals).");
  };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  const auto dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  if (whole.empty() || (dot != std::string_view::npos && frac.empty()) || frac.size() > 9) return bad();
  Wide v = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return bad();
    v = v * 10 + (c - '0');
    if (v > std::numeric_limits<std::int64_t>::max()) return overflow();
  }
  v *= kNanosPerUnit;
  Wide f = 0;
  for (std::size_t i = 0; i < 9; ++i) {
    int d = 0;
    if (i < frac.size()) {
      if (frac[i] < '0' || frac[i] > '9') return bad();
      d = frac[i] - '0';
    }
    f = f * 10 + d;
  }
  v += f;
  if (v > std::numeric_limits<std::int64_t>::max()) return overflow();
  return Money{static_cast<std::int64_t>(negative ? -v : v)};
}

std::string format_money(Money m) {
  const bool negative = m.nanos < 0;
  const UWide a = negative ? static_cast<UWide>(-static_cast<Wide>(m.nanos))
                                       : static_cast<UWide>(m.nanos);
  std::string out = negative ? "-" : "";
  out += std::to_string(static_cast<std::uint64_t>(a / kNanosPerUnit));
  std::uint64_t frac = static_cast<std::uint64_t>(a % kNanosPerUnit);
  if (frac != 0) {
    std::string f = std::to_string(frac);
    f.insert(0, 9 - f.size(), '0');
    while (f.back() == '0') f.pop_back();
    out += '.';
    out += f;
  }
  return out;
}

std::string format_money_fixed(Money m, int decimals) {
  if (decimals < 0) decimals = 0;
  if (decimals > 9) decimals = 9;
  Wide step = 1;
  for (int i = decimals; i < 9; ++i) step *= 10;
  Wide v = m.nanos;
  const bool negative = v < 0;
  if (negative) v = -v;
  v = (v + step / 2) / step;  // half away from zero
  const Wide scale = kNanosPerUnit / step;
  std::string out = negative && v != 0 ? "-" : "";
  out += std::to_string(static_cast<std::uint64_t>(v / scale));
  if (decimals > 0) {
    std::string f = std::to_string(static_cast<std::uint64_t>(v % scale));
    f.insert(0, static_cast<std::size_t>(decimals) - f.size(), '0');
    out += '.';
    out += f;
  }
  return out;
}

Result<Money> add(Money a, Money b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a.nanos, b.nanos, &r)) return overflow();
  return Money{r};
}

Result<Money> multiply(Money m, std::int64_t n) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(m.nanos, n, &r)) return overflow();
  return Money{r};
}

Result<Money> multiply_ratio(Money m, std::int64_t num, std::int64_t den) {
  if (den <= 0) return Error::invalid("multiply_ratio: the denominator must be positive");
  const Wide p = static_cast<Wide>(m.nanos) * num;
  const Wide a = p < 0 ? -p : p;
  Wide q = (a + den / 2) / den;
  if (p < 0) q = -q;
  if (q > std::numeric_limits<std::int64_t>::max() || q < std::numeric_limits<std::int64_t>::min()) return overflow();
  return Money{static_cast<std::int64_t>(q)};
}

}  // namespace sovra::platform::pricing
