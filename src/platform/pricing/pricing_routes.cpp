#include "platform/pricing/pricing_routes.hpp"

#include <boost/json/serialize.hpp>

#include "api/openai/error.hpp"
#include "platform/admin/admin_json.hpp"
#include "platform/ids.hpp"
#include "platform/pricing/price_json.hpp"

namespace sovra::platform::pricing {
namespace {

Result<std::string> operator_org(store::Store& s) {
  SOVRA_TRY(auto page, s.list_organizations({.after = "", .limit = 1}));
  if (page.items.empty()) return Error::not_found("There is no organization yet.");
  return page.items.front().id;
}

std::string billing_json(const std::string& org_id, const std::string& currency) {
  boost::json::object o;
  o["object"] = "organization.billing";
  o["organization_id"] = org_id;
  o["currency"] = currency;
  return boost::json::serialize(o);
}

}  // namespace

std::string public_pricing_json(const PriceBook& book, std::int64_t at) { return price_list_json(book.current(at)); }

void add_pricing_routes(http::Router& router, const admin::AdminDeps& deps, PricingRouteDeps pd) {
  router.add(
      "GET", "/v1/pricing",
      [pricing = pd.pricing](http::Request&) {
        return http::Response::json(200, public_pricing_json(*pricing->book(), now_seconds()));
      },
      {.summary = "Current prices of every model (public)", .public_route = true});

  admin::add_admin_route(
      router, deps, "GET", "/v1/organization/prices",
      [pd](store::Store&, const admin::AdminCall&) -> Result<admin::AdminReply> {
        PriceStore prices(*pd.db);
        SOVRA_TRY(auto all, prices.all());
        return admin::AdminReply{200, price_list_json(all), {}};
      },
      "The price book with its history");

  admin::add_admin_route(
      router, deps, "POST", "/v1/organization/prices",
      [pd](store::Store& s, const admin::AdminCall& c) -> Result<admin::AdminReply> {
        SOVRA_TRY(auto op, operator_org(s));
        if (c.who.org_id != op) {
          return Error{ErrorCode::kPermissionDenied,
                       "Only admin keys of the operator's organization can change the price book.", {}, 403};
        }
        SOVRA_TRY(auto p, price_from_json(c.body, now_seconds()));
        PriceStore prices(*pd.db);
        SOVRA_TRY(auto stored, prices.add(std::move(p), now_seconds()));
        SOVRA_CHECK(pd.reload());
        return admin::AdminReply{201, admin::to_string(price_json(stored)), {}};
      },
      "Add a price (operator only; effective_from in the future or now)");

  admin::add_admin_route(
      router, deps, "GET", "/v1/organization/billing",
      [pd](store::Store&, const admin::AdminCall& c) -> Result<admin::AdminReply> {
        return admin::AdminReply{200, billing_json(c.who.org_id, pd.pricing->currency_of(c.who.org_id)), {}};
      },
      "The organization's billing currency");

  admin::add_admin_route(
      router, deps, "POST", "/v1/organization/billing",
      [pd](store::Store&, const admin::AdminCall& c) -> Result<admin::AdminReply> {
        SOVRA_TRY(auto currency, admin::string_field(c.body, "currency", true));
        PriceStore prices(*pd.db);
        SOVRA_CHECK(prices.set_currency(c.who.org_id, currency, now_seconds()));
        SOVRA_CHECK(pd.reload());
        return admin::AdminReply{200, billing_json(c.who.org_id, currency), {}};
      },
      "Set the organization's billing currency (EUR, SEK, …)");
}

}  // namespace sovra::platform::pricing
