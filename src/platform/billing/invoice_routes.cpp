#include "platform/billing/invoice_routes.hpp"

#include "platform/billing/invoice.hpp"

namespace sovra::platform::billing {

void add_invoice_routes(http::Router& router, const admin::AdminDeps& deps, std::shared_ptr<store::SqlDatabase> db) {
  admin::add_admin_route(
      router, deps, "GET", "/v1/organization/invoices/{month}",
      [db](store::Store&, const admin::AdminCall& c) -> Result<admin::AdminReply> {
        auto month = parse_month(c.param("month"));
        if (!month) return Error::invalid(month.error().message, "month");
        SOVRA_TRY(auto inv, load_invoice(*db, c.who.org_id, *month));
        const std::string format = c.query_value("format");
        if (format.empty() || format == "json") return admin::AdminReply{.status = 200, .body = invoice_json(inv)};
        if (format == "csv") {
          return admin::AdminReply{.status = 200, .body = invoice_csv(inv), .content_type = "text/csv; charset=utf-8"};
        }
        if (format == "html") {
          return admin::AdminReply{
              .status = 200, .body = invoice_html(inv), .content_type = "text/html; charset=utf-8"};
        }
        return Error::invalid("'format' must be json, csv or html.", "format");
      },
      "The organization's invoice for a month (json, csv or html)");
}

}  // namespace sovra::platform::billing
