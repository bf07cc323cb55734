#include "platform/billing/invoice.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <fmt/format.h>

#include "common/json.hpp"

namespace sovra::platform::billing {
namespace json = boost::json;
namespace {

std::int64_t num(const store::SqlCell& c) { return c ? std::stoll(*c) : 0; }

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos && !s.starts_with('=') && !s.starts_with('+') &&
      !s.starts_with('-') && !s.starts_with('@')) {
    return std::string(s);
  }
  std::string out = "\"";
  if (s.starts_with('=') || s.starts_with('+') || s.starts_with('-') || s.starts_with('@')) out += '\'';  // no formulas
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::int64_t get_int(const json::object& o, const char* k) {
  const auto* v = o.if_contains(k);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

std::string get_str(const json::object& o, const char* k) {
  const auto* v = o.if_contains(k);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

Result<Invoice> compute_invoice(store::SqlDatabase& db, const std::string& org_id, Month month) {
  Invoice inv;
  inv.org_id = org_id;
  inv.month = month;
  const std::int64_t from = month_start(month) * 1000, to = month_start(next_month(month)) * 1000;
  auto st = db.transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(auto rows,
              s.query("SELECT project_id, model, currency, COUNT(*), SUM(input_tokens), SUM(cached_tokens),"
                      " SUM(output_tokens), SUM(audio_ms), SUM(pages), SUM(cost_nanos) FROM usage_records"
                      " WHERE org_id = ? AND started_ms >= ? AND started_ms < ?"
                      " GROUP BY project_id, model, currency ORDER BY project_id, model, currency",
                      {org_id, from, to}));
    for (const auto& r : rows.rows) {
      InvoiceLine l{r[0].value_or(""), r[1].value_or(""), r[2].value_or(""), num(r[3]), num(r[4]), num(r[5]),
                    num(r[6]), num(r[7]), num(r[8]), {num(r[9])}};
      SOVRA_TRY(inv.totals[l.currency], pricing::add(inv.totals[l.currency], l.cost));
      inv.lines.push_back(std::move(l));
    }
    return {};
  });
  if (!st) return st.error();
  return inv;
}

Result<Invoice> load_invoice(store::SqlDatabase& db, const std::string& org_id, Month month) {
  std::optional<std::string> body;
  auto st = db.transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query("SELECT body FROM invoices WHERE org_id = ? AND month = ?", {org_id, format_month(month)}));
    if (!rows.rows.empty()) body = rows.rows[0][0];
    return {};
  });
  if (!st) return st.error();
  if (body) return invoice_from_json(*body);
  return compute_invoice(db, org_id, month);
}

Result<Invoice> close_invoice(store::SqlDatabase& db, const std::string& org_id, Month month, std::int64_t now) {
  if (now < month_start(next_month(month))) {
    return Error::invalid("The month " + format_month(month) + " has not ended yet (UTC); it can be closed from " +
                          format_utc_date(month_start(next_month(month))) + ".");
  }
  SOVRA_TRY(auto existing, load_invoice(db, org_id, month));
  if (existing.closed_at != 0) return existing;
  SOVRA_TRY(auto inv, compute_invoice(db, org_id, month));
  inv.closed_at = now;
  const std::string body = invoice_json(inv);
  auto st = db.transaction([&](store::SqlSession& s) -> Status {
    SOVRA_CHECK(s.query("INSERT INTO invoices (org_id, month, closed_at, body) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (org_id, month) DO NOTHING",
                        {org_id, format_month(month), now, body}));
    return {};
  });
  if (!st) return st.error();
  return load_invoice(db, org_id, month);  // another process may have closed it first: its copy wins
}

Result<std::vector<std::string>> orgs_with_usage(store::SqlDatabase& db, Month month) {
  std::vector<std::string> out;
  auto st = db.transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query("SELECT DISTINCT org_id FROM usage_records WHERE started_ms >= ? AND started_ms < ?"
                                 " ORDER BY org_id",
                                 {month_start(month) * 1000, month_start(next_month(month)) * 1000}));
    for (const auto& r : rows.rows) out.push_back(r[0].value_or(""));
    return {};
  });
  if (!st) return st.error();
  return out;
}

std::string invoice_json(const Invoice& inv) {
  json::object o;
  o["object"] = "organization.invoice";
  o["organization_id"] = inv.org_id;
  o["month"] = format_month(inv.month);
  o["period_start"] = month_start(inv.month);
  o["period_end"] = month_start(next_month(inv.month));
  o["status"] = inv.closed_at != 0 ? "closed" : "open";
  o["closed_at"] = inv.closed_at != 0 ? json::value(inv.closed_at) : json::value(nullptr);
  json::array lines;
  for (const auto& l : inv.lines) {
    json::object j;
    j["project_id"] = l.project_id;
    j["model"] = l.model;
    j["currency"] = l.currency;
    j["requests"] = l.requests;
    j["input_tokens"] = l.input_tokens;
    j["cached_tokens"] = l.cached_tokens;
    j["output_tokens"] = l.output_tokens;
    j["audio_ms"] = l.audio_ms;
    j["pages"] = l.pages;
    j["cost"] = pricing::format_money(l.cost);
    lines.push_back(std::move(j));
  }
  o["lines"] = std::move(lines);
  json::array totals;
  for (const auto& [currency, m] : inv.totals) {
    json::object t;
    t["currency"] = currency;
    t["exact"] = pricing::format_money(m);
    t["amount_due"] = pricing::format_money_fixed(m, 2);
    totals.push_back(std::move(t));
  }
  o["totals"] = std::move(totals);
  return json::serialize(o);
}

Result<Invoice> invoice_from_json(std::string_view text) {
  SOVRA_TRY(auto v, parse_json(text));
  if (!v.is_object()) return Error::corrupt("stored invoice is not a JSON object");
  const auto& o = v.get_object();
  Invoice inv;
  inv.org_id = get_str(o, "organization_id");
  SOVRA_TRY(inv.month, parse_month(get_str(o, "month")));
  inv.closed_at = get_int(o, "closed_at");
  if (const auto* lines = o.if_contains("lines"); lines != nullptr && lines->is_array()) {
    for (const auto& lv : lines->get_array()) {
      if (!lv.is_object()) return Error::corrupt("stored invoice line is not an object");
      const auto& j = lv.get_object();
      InvoiceLine l{get_str(j, "project_id"), get_str(j, "model"), get_str(j, "currency"),
                    get_int(j, "requests"), get_int(j, "input_tokens"), get_int(j, "cached_tokens"),
                    get_int(j, "output_tokens"), get_int(j, "audio_ms"), get_int(j, "pages"), {}};
      SOVRA_TRY(l.cost, pricing::parse_money(get_str(j, "cost")));
      SOVRA_TRY(inv.totals[l.currency], pricing::add(inv.totals[l.currency], l.cost));
      inv.lines.push_back(std::move(l));
    }
  }
  return inv;
}

std::string invoice_csv(const Invoice& inv) {
  std::string out = "month,organization_id,project_id,model,currency,requests,input_tokens,cached_tokens,"
                    "output_tokens,audio_ms,pages,cost\r\n";
  for (const auto& l : inv.lines) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\r\n", format_month(inv.month), csv_field(inv.org_id),
                       csv_field(l.project_id), csv_field(l.model), csv_field(l.currency), l.requests, l.input_tokens,
                       l.cached_tokens, l.output_tokens, l.audio_ms, l.pages, pricing::format_money(l.cost));
  }
  for (const auto& [currency, m] : inv.totals) {
    out += fmt::format("{},{},TOTAL,,{},,,,,,,{}\r\n", format_month(inv.month), csv_field(inv.org_id),
                       csv_field(currency), pricing::format_money(m));
  }
  return out;
}

std::string invoice_html(const Invoice& inv) {
  std::string out = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Invoice " + format_month(inv.month) +
                    "</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
                    "td,th{border:1px solid #999;padding:4px 8px;text-align:right}td:nth-child(-n+3),th{text-align:left}"
                    "@media print{body{margin:0}}</style></head><body>";
  out += "<h1>Invoice " + format_month(inv.month) + "</h1><p>Organization: " + html_escape(inv.org_id) +
         "<br>Period: " + format_utc_date(month_start(inv.month)) + " – " +
         format_utc_date(month_start(next_month(inv.month))) + "<br>Status: " +
         (inv.closed_at != 0 ? "closed " + format_utc_date(inv.closed_at) : std::string("open (not final)")) +
         "</p><table><tr><th>Project</th><th>Model</th><th>Currency</th><th>Requests</th><th>Input tokens</th>"
         "<th>Cached tokens</th><th>Output tokens</th><th>Audio (ms)</th><th>Pages</th><th>Cost</th></tr>";
  for (const auto& l : inv.lines) {
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                       "<td>{}</td><td>{}</td></tr>",
                       html_escape(l.project_id), html_escape(l.model), html_escape(l.currency), l.requests,
                       l.input_tokens, l.cached_tokens, l.output_tokens, l.audio_ms, l.pages,
                       pricing::format_money(l.cost));
  }
  out += "</table><h2>Total</h2><table>";
  for (const auto& [currency, m] : inv.totals) {
    out += "<tr><th>" + html_escape(currency) + "</th><td>" + pricing::format_money_fixed(m, 2) + "</td><td>(exact " +
           pricing::format_money(m) + ")</td></tr>";
  }
  out += "</table></body></html>\n";
  return out;
}

}  // namespace sovra::platform::billing
