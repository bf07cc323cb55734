#pragma once
// The admission hooks' response headers (OpenAI's names: x-ratelimit-limit-requests, x-ratelimit-reset-tokens
// as a duration like "6m0s", …) with Anthropic's names added (anthropic-ratelimit-requests-limit,
// anthropic-ratelimit-tokens-reset as an RFC 3339 time, …), so Anthropic clients find their limits where they
// look. The original headers stay; everything else (retry-after, …) passes through unchanged.
#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace sovra::api::anthropic {

std::vector<http::Header> anthropic_headers(std::vector<http::Header> headers,
                                            std::chrono::system_clock::time_point now);

// "1s", "6m0s", "1h2m3.5s", "20ms", "250us", or plain seconds ("30"): the duration; nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_reset_duration(std::string_view text);

}  // namespace sovra::api::anthropic
