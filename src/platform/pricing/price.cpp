#include "platform/pricing/price.hpp"

#include <algorithm>

namespace sovra::platform::pricing {
namespace {

constexpr std::int64_t kPerMillion = 1'000'000;

Result<Money> per_token(Money per_1m) { return Money{per_1m.nanos / kPerMillion}; }

}  // namespace

bool valid_currency(std::string_view c) {
  return c.size() == 3 && std::all_of(c.begin(), c.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
}

Status validate_price(const Price& p) {
  if (p.model.empty() || p.model.size() > 256) return Error::invalid("'model' must have 1 to 256 characters.", "model");
  if (!valid_currency(p.currency)) {
    return Error::invalid("'currency' must be a three-letter ISO 4217 code in upper case, e.g. EUR or SEK.",
                          "currency");
  }
  if (p.effective_from < 0) return Error::invalid("'effective_from' must not be negative.", "effective_from");
  const std::pair<const char*, Money> per_1m[] = {{"input_per_1m", p.input_per_1m},
                                                  {"cached_input_per_1m", p.cached_input_per_1m},
                                                  {"output_per_1m", p.output_per_1m}};
  for (const auto& [name, m] : per_1m) {
    if (m.nanos < 0) return Error::invalid(std::string("'") + name + "' must not be negative.", name);
    if (m.nanos % kPerMillion != 0) {
      return Error::invalid(std::string("'") + name +
                                "' has more than 3 decimals: prices per 1M tokens are exact to 0.001, so that one "
                                "token costs a whole number of nanos.",
                            name);
    }
  }
  if (p.audio_minute.nanos < 0) return Error::invalid("'audio_minute' must not be negative.", "audio_minute");
  if (p.page.nanos < 0) return Error::invalid("'page' must not be negative.", "page");
  return {};
}

Result<Money> cost_of(const Price& p, const Quantities& q) {
  const std::int64_t cached = std::clamp<std::int64_t>(q.cached_tokens, 0, std::max<std::int64_t>(q.input_tokens, 0));
  const std::int64_t uncached = std::max<std::int64_t>(q.input_tokens, 0) - cached;
  SOVRA_TRY(auto in, per_token(p.input_per_1m));
  SOVRA_TRY(auto cin, per_token(p.cached_input_per_1m));
  SOVRA_TRY(auto out, per_token(p.output_per_1m));
  Money total;
  SOVRA_TRY(auto a, multiply(in, uncached));
  SOVRA_TRY(total, add(total, a));
  SOVRA_TRY(auto b, multiply(cin, cached));
  SOVRA_TRY(total, add(total, b));
  SOVRA_TRY(auto c, multiply(out, std::max<std::int64_t>(q.output_tokens, 0)));
  SOVRA_TRY(total, add(total, c));
  SOVRA_TRY(auto d, multiply_ratio(p.audio_minute, std::max<std::int64_t>(q.audio_ms, 0), 60'000));
  SOVRA_TRY(total, add(total, d));
  SOVRA_TRY(auto e, multiply(p.page, std::max<std::int64_t>(q.pages, 0)));
  SOVRA_TRY(total, add(total, e));
  return total;
}

Result<Money> worst_case_cost(const Price& p, std::int64_t prompt_tokens, std::int64_t max_output_tokens) {
  return cost_of(p, {.input_tokens = prompt_tokens, .cached_tokens = 0, .output_tokens = max_output_tokens});
}

}  // namespace sovra::platform::pricing
