#pragma once
// Monthly invoices per organisation, computed from the usage ledger: one line per project, model and currency
// with the summed quantities and exact cost; totals per currency, exact and rounded to cents (half away from
// zero) as the amount due. Closing a month (`sovra billing close 2026-11`) stores the invoice as it is then; a
// closed invoice is served from that copy and never changes, even if records of that month arrived late.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "platform/billing/calendar.hpp"
#include "platform/pricing/money.hpp"
#include "store/sql.hpp"

namespace sovra::platform::billing {

struct InvoiceLine {
  std::string project_id;
  std::string model;
  std::string currency;
  std::int64_t requests = 0;
  std::int64_t input_tokens = 0;
  std::int64_t cached_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t audio_ms = 0;
  std::int64_t pages = 0;
  pricing::Money cost;
  bool operator==(const InvoiceLine&) const = default;
};

struct Invoice {
  std::string org_id;
  Month month;
  std::int64_t closed_at = 0;  // 0: open (still changing)
  std::vector<InvoiceLine> lines;  // by project, model, currency
  std::map<std::string, pricing::Money> totals;  // currency → exact total
};

// The invoice as the ledger has it now (open).
Result<Invoice> compute_invoice(store::SqlDatabase& db, const std::string& org_id, Month month);
// The closed copy when the month was closed, else compute_invoice.
Result<Invoice> load_invoice(store::SqlDatabase& db, const std::string& org_id, Month month);
// Freezes the month for one organisation. Refused before the month has ended; closing twice returns the first copy.
Result<Invoice> close_invoice(store::SqlDatabase& db, const std::string& org_id, Month month, std::int64_t now);
// Organisations with usage in the month (for closing all of them).
Result<std::vector<std::string>> orgs_with_usage(store::SqlDatabase& db, Month month);

std::string invoice_json(const Invoice& inv);
Result<Invoice> invoice_from_json(std::string_view text);
std::string invoice_csv(const Invoice& inv);
std::string invoice_html(const Invoice& inv);

}  // namespace sovra::platform::billing
