#include "gateway/rate_limit/rate_limit_headers.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sovra::gateway::rate_limit {

std::string format_duration(std::int64_t ms) {
  if (ms < 0) ms = 0;
  if (ms < 1000) return fmt::format("{}ms", ms);
  const std::int64_t h = ms / 3'600'000;
  const std::int64_t m = ms / 60'000 % 60;
  const std::int64_t s_ms = ms % 60'000;
  std::string secs = s_ms % 1000 == 0 ? fmt::format("{}s", s_ms / 1000) : fmt::format("{:.3f}", s_ms / 1000.0);
  if (s_ms % 1000 != 0) {
    while (secs.back() == '0') secs.pop_back();
    secs += 's';
  }
  if (h > 0) return fmt::format("{}h{}m{}", h, m, secs);
  if (m > 0) return fmt::format("{}m{}", m, secs);
  return secs;
}

void add_ratelimit_headers(std::vector<http::Header>& headers, const char* kind, const HeaderValues& v) {
  headers.push_back({fmt::format("x-ratelimit-limit-{}", kind), std::to_string(v.limit)});
  headers.push_back({fmt::format("x-ratelimit-remaining-{}", kind), std::to_string(v.remaining)});
  headers.push_back({fmt::format("x-ratelimit-reset-{}", kind), format_duration(v.reset_ms)});
}

void add_retry_after(std::vector<http::Header>& headers, std::int64_t ms) {
  ms = std::max<std::int64_t>(ms, 1);
  headers.push_back({"retry-after", std::to_string((ms + 999) / 1000)});
  headers.push_back({"retry-after-ms", std::to_string(ms)});
}

}  // namespace sovra::gateway::rate_limit
