#pragma once
// GET /v1/organization/usage/{completions,embeddings,audio_transcriptions,ocr} and GET /v1/organization/costs.
// Admin keys read their organisation's usage; project keys their own project's only (see usage_scope.hpp: the
// project filter is forced, another project named is 403). Nobody reads another organisation's.
#include <memory>

#include "http/router.hpp"
#include "platform/admin/admin_route.hpp"
#include "platform/pricing/pricing_state.hpp"
#include "store/sql.hpp"

namespace sovra::platform::metering {

void add_usage_routes(http::Router& router, const admin::AdminDeps& deps, std::shared_ptr<store::SqlDatabase> db,
                      std::shared_ptr<const pricing::PricingState> pricing);

}  // namespace sovra::platform::metering
