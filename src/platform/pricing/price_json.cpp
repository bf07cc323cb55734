#include "platform/pricing/price_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "common/json.hpp"
#include "platform/billing/calendar.hpp"

namespace sovra::platform::pricing {
namespace json = boost::json;
namespace {

Result<Money> amount_field(const json::object& o, const char* name) {
  const auto* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return Money{};
  Result<Money> m = Money{};
  if (v->is_string()) {
    m = parse_money(std::string_view(v->get_string()));
  } else if (v->is_int64()) {
    m = multiply(Money{kNanosPerUnit}, v->get_int64());
  } else if (v->is_uint64()) {
    return Error::invalid(std::string("'") + name + "' is too large.", name);
  } else {
    return Error::invalid(std::string("'") + name +
                              "' must be a decimal string such as \"0.125\" (or an integer): prices never pass "
                              "through floating point.",
                          name);
  }
  if (!m) return Error::invalid(std::string("'") + name + "': " + m.error().message, name);
  return m;
}

Result<std::string> text_field(const json::object& o, const char* name) {
  const auto* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return Error::invalid(std::string("'") + name + "' must be a string.", name);
  return std::string(v->get_string());
}

}  // namespace

Result<Price> price_from_json(const json::value& v, std::int64_t default_from) {
  if (!v.is_object()) return Error::invalid("A price must be a JSON object.");
  const auto& o = v.get_object();
  for (const auto& kv : o) {
    static constexpr std::string_view kKnown[] = {"model",         "currency",     "effective_from",
                                                  "input_per_1m",  "cached_input_per_1m",
                                                  "output_per_1m", "audio_minute", "page", "object", "id"};
    bool known = false;
    for (auto k : kKnown) known = known || kv.key() == k;
    if (!known) return Error::invalid("Unknown price field '" + std::string(kv.key()) + "'.", std::string(kv.key()));
  }
  Price p;
  SOVRA_TRY(p.model, text_field(o, "model"));
  SOVRA_TRY(p.currency, text_field(o, "currency"));
  p.effective_from = default_from;
  if (const auto* f = o.if_contains("effective_from"); f != nullptr && !f->is_null()) {
    if (f->is_int64()) {
      p.effective_from = f->get_int64();
    } else if (f->is_string()) {
      auto t = billing::parse_utc_time(std::string_view(f->get_string()));
      if (!t) return Error::invalid("'effective_from': " + t.error().message, "effective_from");
      p.effective_from = *t;
    } else {
      return Error::invalid("'effective_from' must be a date string or Unix seconds.", "effective_from");
    }
  }
  SOVRA_TRY(p.input_per_1m, amount_field(o, "input_per_1m"));
  SOVRA_TRY(p.cached_input_per_1m, amount_field(o, "cached_input_per_1m"));
  SOVRA_TRY(p.output_per_1m, amount_field(o, "output_per_1m"));
  SOVRA_TRY(p.audio_minute, amount_field(o, "audio_minute"));
  SOVRA_TRY(p.page, amount_field(o, "page"));
  SOVRA_CHECK(validate_price(p));
  return p;
}

Result<std::vector<Price>> prices_from_json_text(std::string_view text, std::int64_t default_from) {
  SOVRA_TRY(auto v, parse_json(text));
  const json::array* list = nullptr;
  if (v.is_array()) {
    list = &v.get_array();
  } else if (v.is_object() && v.get_object().if_contains("prices") != nullptr &&
             v.get_object().at("prices").is_array()) {
    list = &v.get_object().at("prices").get_array();
  } else {
    return Error::invalid("A price book is {\"prices\":[…]} or a JSON array of prices.");
  }
  std::vector<Price> out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto p = price_from_json((*list)[i], default_from);
    if (!p) return Error::invalid("price " + std::to_string(i) + ": " + p.error().message, p.error().param);
    out.push_back(std::move(*p));
  }
  return out;
}

json::object price_json(const Price& p) {
  json::object o;
  o["object"] = "price";
  o["id"] = p.id;
  o["model"] = p.model;
  o["currency"] = p.currency;
  o["effective_from"] = p.effective_from;
  o["input_per_1m"] = format_money(p.input_per_1m);
  o["cached_input_per_1m"] = format_money(p.cached_input_per_1m);
  o["output_per_1m"] = format_money(p.output_per_1m);
  o["audio_minute"] = format_money(p.audio_minute);
  o["page"] = format_money(p.page);
  return o;
}

std::string price_list_json(const std::vector<Price>& prices) {
  json::object o;
  o["object"] = "list";
  json::array data;
  for (const auto& p : prices) data.push_back(price_json(p));
  o["data"] = std::move(data);
  return json::serialize(o);
}

}  // namespace sovra::platform::pricing
