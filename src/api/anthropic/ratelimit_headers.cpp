#include "api/anthropic/ratelimit_headers.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>

namespace sovra::api::anthropic {
namespace {

struct Rename {
  std::string_view from;
  std::string_view to;
  bool reset = false;  // the value is a duration to turn into a time
};

constexpr std::array kRenames{
    Rename{"x-ratelimit-limit-requests", "anthropic-ratelimit-requests-limit"},
    Rename{"x-ratelimit-remaining-requests", "anthropic-ratelimit-requests-remaining"},
    Rename{"x-ratelimit-reset-requests", "anthropic-ratelimit-requests-reset", true},
    Rename{"x-ratelimit-limit-tokens", "anthropic-ratelimit-tokens-limit"},
    Rename{"x-ratelimit-remaining-tokens", "anthropic-ratelimit-tokens-remaining"},
    Rename{"x-ratelimit-reset-tokens", "anthropic-ratelimit-tokens-reset", true},
};

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(t);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(seconds)));
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_reset_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double total_ms = 0;
  bool any = false;
  while (!text.empty()) {
    double value = 0;
    std::size_t used = 0;
    // from_chars for double is in libstdc++ 12; a number is digits with an optional fraction.
    while (used < text.size() && ((text[used] >= '0' && text[used] <= '9') || text[used] == '.')) ++used;
    if (used == 0) return std::nullopt;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + used, value);
    if (ec != std::errc() || ptr != text.data() + used) return std::nullopt;
    text.remove_prefix(used);
    double unit_ms = 1000;  // a bare number is seconds
    if (text.starts_with("ms")) {
      unit_ms = 1, text.remove_prefix(2);
    } else if (text.starts_with("us")) {
      unit_ms = 0.001, text.remove_prefix(2);
    } else if (text.starts_with("h")) {
      unit_ms = 3600000, text.remove_prefix(1);
    } else if (text.starts_with("m")) {
      unit_ms = 60000, text.remove_prefix(1);
    } else if (text.starts_with("s")) {
      text.remove_prefix(1);
    } else if (!text.empty()) {
      return std::nullopt;
    }
    total_ms += value * unit_ms;
    any = true;
  }
  if (!any || !std::isfinite(total_ms) || total_ms > 1e12) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(total_ms)));
}

std::vector<http::Header> anthropic_headers(std::vector<http::Header> headers,
                                            std::chrono::system_clock::time_point now) {
  const std::size_t n = headers.size();
  for (std::size_t i = 0; i < n; ++i) {
    for (const Rename& r : kRenames) {
      if (!http::iequals(headers[i].name, r.from)) continue;
      if (!r.reset) {
        headers.push_back({std::string(r.to), headers[i].value});
      } else if (auto d = parse_reset_duration(headers[i].value)) {
        headers.push_back({std::string(r.to), rfc3339(now + *d)});
      }
    }
  }
  return headers;
}

}  // namespace sovra::api::anthropic
