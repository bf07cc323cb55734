#pragma once
// One entry of the price book: what a model costs in one currency from a moment on. Entries are never edited:
// a price change is a new entry with a later effective_from, so usage recorded under the old price keeps it.
#include <cstdint>
#include <string>

#include "common/error.hpp"
#include "platform/pricing/money.hpp"

namespace sovra::platform::pricing {

struct Price {
  std::string id;        // "price_…": the price book version a usage record cites
  std::string model;     // the served model's name
  std::string currency;  // ISO 4217, upper case ("EUR", "SEK")
  std::int64_t effective_from = 0;  // Unix seconds (UTC)
  Money input_per_1m;               // per 1M uncached prompt tokens
  Money cached_input_per_1m;        // per 1M prompt tokens served from the prefix cache
  Money output_per_1m;              // per 1M generated tokens
  Money audio_minute;               // per minute of audio (billed by the millisecond)
  Money page;                       // per OCR page
  std::int64_t created_at = 0;
  bool operator==(const Price&) const = default;
};

// What one call consumed.
struct Quantities {
  std::int64_t input_tokens = 0;   // all prompt tokens, cached ones included (as OpenAI counts prompt_tokens)
  std::int64_t cached_tokens = 0;  // of which served from the cache
  std::int64_t output_tokens = 0;
  std::int64_t audio_ms = 0;
  std::int64_t pages = 0;
};

// Checks a price a person entered: known model name, a three-letter upper-case currency, no negative amount, and
// per-1M prices with at most 3 decimals (so that one token costs a whole number of nanos and costs are exact).
Status validate_price(const Price& p);

bool valid_currency(std::string_view currency);

// Exact cost: uncached input, cached input and output tokens at their per-token price, audio at the per-minute
// price × ms / 60000 (rounded half up to the nano), pages × page price.
Result<Money> cost_of(const Price& p, const Quantities& q);

// The worst case a call can cost before it ran: every prompt token uncached, and max_output_tokens generated.
Result<Money> worst_case_cost(const Price& p, std::int64_t prompt_tokens, std::int64_t max_output_tokens);

}  // namespace sovra::platform::pricing
