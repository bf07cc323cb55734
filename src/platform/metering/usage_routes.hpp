#pragma once
// GET /v1/organization/usage/{completions,embeddings,audio_transcriptions,ocr} and GET /v1/organization/costs.
// Admin keys only (the auth filter keeps project keys out of /v1/organization/…); each caller sees its own
// organisation's usage and nothing else.
#include <memory>

#include "http/router.hpp"
#include "platform/admin/admin_route.hpp"
#include "platform/pricing/pricing_state.hpp"
#include "store/sql.hpp"

namespace sovra::platform::metering {

void add_usage_routes(http::Router& router, const admin::AdminDeps& deps, std::shared_ptr<store::SqlDatabase> db,
                      std::shared_ptr<const pricing::PricingState> pricing);

}  // namespace sovra::platform::metering
