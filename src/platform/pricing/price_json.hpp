#pragma once
// Price entries as JSON, for the price-book file of the config, the administration API, the CLI and
// GET /v1/pricing. Amounts are decimal strings ("0.125") so that no value ever passes through a double;
// integers are accepted too. effective_from is "YYYY-MM-DD", an RFC 3339 UTC time or Unix seconds.
//
//   {"model":"tiny","currency":"EUR","effective_from":"2026-11-01","input_per_1m":"0.10",
//    "cached_input_per_1m":"0.05","output_per_1m":"0.40","audio_minute":"0","page":"0"}
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <vector>

#include "common/error.hpp"
#include "platform/pricing/price.hpp"

namespace sovra::platform::pricing {

// A price from a JSON object (id and created_at are left empty/0); validated. `default_from` applies when
// effective_from is absent.
Result<Price> price_from_json(const boost::json::value& v, std::int64_t default_from);
// {"prices":[…]} or a bare array.
Result<std::vector<Price>> prices_from_json_text(std::string_view text, std::int64_t default_from);

// {"object":"price","id",…,"effective_from":<unix>,"input_per_1m":"0.1",…}
boost::json::object price_json(const Price& p);
// {"object":"list","data":[…]}
std::string price_list_json(const std::vector<Price>& prices);

}  // namespace sovra::platform::pricing
