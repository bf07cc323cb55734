#pragma once
// One row of the usage ledger: what one call consumed and cost. Written once, never updated.
#include <cstdint>
#include <string>

#include "platform/pricing/money.hpp"

namespace sovra::platform::metering {

struct UsageRecord {
  std::string id;  // "usage_…", unique; a retried commit of the same record is a no-op
  std::string request_id;
  std::string org_id;
  std::string project_id;  // empty for calls without a project (no key under --insecure-no-auth)
  std::string key_id;
  std::string user_id;   // the request's `user` field, as sent
  std::string model;
  std::string endpoint;  // route pattern, "/v1/chat/completions"
  std::int64_t input_tokens = 0;   // all prompt tokens (cached ones included)
  std::int64_t cached_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t audio_ms = 0;
  std::int64_t pages = 0;
  std::int64_t started_ms = 0;  // Unix milliseconds
  std::int64_t ended_ms = 0;
  std::int64_t latency_ms = 0;
  std::int64_t status = 200;  // HTTP status sent
  std::string error_code;
  bool cancelled = false;
  std::string region;
  std::string deployment;
  std::string price_id;  // the price book entry used; empty when the model had no price (cost 0)
  std::string currency;
  pricing::Money cost;
  bool operator==(const UsageRecord&) const = default;
};

}  // namespace sovra::platform::metering
