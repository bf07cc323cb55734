#pragma once
// Price book routes:
//   GET  /v1/pricing                       public, unauthenticated: the prices in force now (transparency)
//   GET  /v1/organization/prices           the whole book with its history (admin keys)
//   POST /v1/organization/prices           adds an entry; only admin keys of the operator's organisation (the
//                                          first one created, which runs the service) may change prices
//   GET  /v1/organization/billing          the caller's organisation's billing currency
//   POST /v1/organization/billing          {"currency":"SEK"} sets it
#include <functional>
#include <memory>

#include "http/router.hpp"
#include "platform/admin/admin_route.hpp"
#include "platform/pricing/pricing_state.hpp"
#include "store/sql.hpp"

namespace sovra::platform::pricing {

struct PricingRouteDeps {
  std::shared_ptr<store::SqlDatabase> db;
  std::shared_ptr<PricingState> pricing;
  std::function<Status()> reload;  // blocking: re-reads prices (and anything else cached) after a change
};

void add_pricing_routes(http::Router& router, const admin::AdminDeps& deps, PricingRouteDeps pricing_deps);

// The public page's body: {"object":"list","data":[prices in force at `at`]}.
std::string public_pricing_json(const PriceBook& book, std::int64_t at);

}  // namespace sovra::platform::pricing
