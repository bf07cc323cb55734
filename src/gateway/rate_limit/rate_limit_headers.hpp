#pragma once
// OpenAI's rate-limit response headers and the duration format they use ("20ms", "1.5s", "6m0s", "1h2m3s").
#include <cstdint>
#include <string>
#include <vector>

#include "http/message.hpp"

namespace sovra::gateway::rate_limit {

std::string format_duration(std::int64_t ms);

struct HeaderValues {
  std::int64_t limit = 0;
  std::int64_t remaining = 0;
  std::int64_t reset_ms = 0;
};

// x-ratelimit-{limit,remaining,reset}-{kind} for kind "requests" or "tokens".
void add_ratelimit_headers(std::vector<http::Header>& headers, const char* kind, const HeaderValues& v);
// Retry-After (whole seconds, rounded up, at least 1) and retry-after-ms, as OpenAI's clients read them.
void add_retry_after(std::vector<http::Header>& headers, std::int64_t ms);

}  // namespace sovra::gateway::rate_limit
