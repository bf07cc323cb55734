#include "platform/pricing/price_store.hpp"

#include "platform/ids.hpp"

namespace sovra::platform::pricing {
namespace {

constexpr const char* kColumns =
    "id, model, currency, effective_from, input_per_1m, cached_input_per_1m, output_per_1m, audio_minute, page,"
    " created_at";

constexpr std::int64_t kBackdateGraceS = 60;

std::int64_t int_cell(const store::SqlCell& c) { return c ? std::stoll(*c) : 0; }

Price price_from_row(const store::SqlRow& r) {
  Price p;
  p.id = r[0].value_or("");
  p.model = r[1].value_or("");
  p.currency = r[2].value_or("");
  p.effective_from = int_cell(r[3]);
  p.input_per_1m = {int_cell(r[4])};
  p.cached_input_per_1m = {int_cell(r[5])};
  p.output_per_1m = {int_cell(r[6])};
  p.audio_minute = {int_cell(r[7])};
  p.page = {int_cell(r[8])};
  p.created_at = int_cell(r[9]);
  return p;
}

bool same_amounts(const Price& a, const Price& b) {
  return a.input_per_1m == b.input_per_1m && a.cached_input_per_1m == b.cached_input_per_1m &&
         a.output_per_1m == b.output_per_1m && a.audio_minute == b.audio_minute && a.page == b.page;
}

}  // namespace

Result<Price> PriceStore::add(Price p, std::int64_t now) {
  SOVRA_CHECK(validate_price(p));
  if (p.id.empty()) p.id = new_id("price");
  if (p.created_at == 0) p.created_at = now;
  Price stored;
  auto st = db_.transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(auto existing, s.query(std::string("SELECT ") + kColumns +
                                         " FROM prices WHERE model = ? AND currency = ? AND effective_from = ?",
                                     {p.model, p.currency, p.effective_from}));
    if (!existing.rows.empty()) {
      stored = price_from_row(existing.rows[0]);
      if (!same_amounts(stored, p)) {
        return Error{ErrorCode::kConflict,
                     "A price for " + p.model + " in " + p.currency + " from " + std::to_string(p.effective_from) +
                         " already exists with other amounts; prices are never rewritten: add one with a later "
                         "effective_from.",
                     "effective_from", 409};
      }
      return {};
    }
    if (p.effective_from < now - kBackdateGraceS) {
      SOVRA_TRY(auto older, s.query("SELECT COUNT(*) FROM prices WHERE model = ? AND currency = ?", {p.model, p.currency}));
      if (!older.rows.empty() && older.rows[0][0] && *older.rows[0][0] != "0") {
        return Error{ErrorCode::kConflict,
                     "effective_from lies in the past and " + p.model + " already has a price in " + p.currency +
                         ": calls since then were charged at that price. Let the new price start now or later.",
                     "effective_from", 409};
      }
    }
    SOVRA_CHECK(s.query(std::string("INSERT INTO prices (") + kColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        {p.id, p.model, p.currency, p.effective_from, p.input_per_1m.nanos,
                         p.cached_input_per_1m.nanos, p.output_per_1m.nanos, p.audio_minute.nanos, p.page.nanos,
                         p.created_at}));
    stored = p;
    return {};
  });
  if (!st) return st.error();
  return stored;
}

Result<std::vector<Price>> PriceStore::all() {
  std::vector<Price> out;
  auto st = db_.transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query(std::string("SELECT ") + kColumns + " FROM prices ORDER BY model, currency, effective_from"));
    for (const auto& r : rows.rows) out.push_back(price_from_row(r));
    return {};
  });
  if (!st) return st.error();
  return out;
}

Result<std::string> PriceStore::currency_of(const std::string& org_id, const std::string& fallback) {
  std::string out = fallback;
  auto st = db_.transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query("SELECT currency FROM billing_accounts WHERE org_id = ?", {org_id}));
    if (!rows.rows.empty() && rows.rows[0][0]) out = *rows.rows[0][0];
    return {};
  });
  if (!st) return st.error();
  return out;
}

Result<std::map<std::string, std::string>> PriceStore::all_currencies() {
  std::map<std::string, std::string> out;
  auto st = db_.transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query("SELECT org_id, currency FROM billing_accounts"));
    for (const auto& r : rows.rows) out[r[0].value_or("")] = r[1].value_or("");
    return {};
  });
  if (!st) return st.error();
  return out;
}

Status PriceStore::set_currency(const std::string& org_id, const std::string& currency, std::int64_t now) {
  if (!valid_currency(currency)) return Error::invalid("'currency' must be a code like EUR or SEK.", "currency");
  return db_.transaction([&](store::SqlSession& s) -> Status {
    SOVRA_CHECK(s.query("DELETE FROM billing_accounts WHERE org_id = ?", {org_id}));
    SOVRA_CHECK(s.query("INSERT INTO billing_accounts (org_id, currency, updated_at) VALUES (?, ?, ?)",
                        {org_id, currency, now}));
    return {};
  });
}

}  // namespace sovra::platform::pricing
