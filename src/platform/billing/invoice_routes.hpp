#pragma once
// GET /v1/organization/invoices/{month}?format=json|csv|html — the caller's organisation's invoice for a month
// ("2026-11"): the closed copy, or the open one as the ledger has it now.
#include <memory>

#include "http/router.hpp"
#include "platform/admin/admin_route.hpp"
#include "store/sql.hpp"

namespace sovra::platform::billing {

void add_invoice_routes(http::Router& router, const admin::AdminDeps& deps, std::shared_ptr<store::SqlDatabase> db);

}  // namespace sovra::platform::billing
