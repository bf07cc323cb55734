// Fuzzes the query strings of the usage and costs APIs (platform/metering/usage_query) and the price-book JSON
// (platform/pricing/price_json, from the admin API, the CLI and metering.price_file). Beyond not crashing: a
// parsed query is within its documented bounds, and a parsed price survives encode → parse unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "platform/metering/usage_query.hpp"
#include "platform/pricing/price_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace metering = sovra::platform::metering;
  namespace pricing = sovra::platform::pricing;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto kind : {metering::UsageKind::kCompletions, metering::UsageKind::kCosts}) {
    auto q = metering::parse_usage_query(kind, text, 1'793'491'200);
    if (q) {
      if (q->limit < 1 || q->limit > 1440 || q->end_time < q->start_time || q->start_time < 0) std::abort();
      if (q->bucket_seconds != 60 && q->bucket_seconds != 3600 && q->bucket_seconds != 86400) std::abort();
    }
  }
  auto prices = pricing::prices_from_json_text(text, 0);
  if (prices) {
    for (const auto& p : *prices) {
      auto back = pricing::price_from_json(pricing::price_json(p), 0);
      if (!back) std::abort();
      auto copy = *back;
      copy.id = p.id;
      copy.created_at = p.created_at;
      if (!(copy == p)) std::abort();
    }
  }
  return 0;
}
