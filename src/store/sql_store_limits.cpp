// Rate-limit rules (table rate_limits, migration 2). Every write notifies the channel sovra_rate_limits so that the
// limit tables of all processes reload.
#include "store/sql_rows.hpp"
#include "store/sql_store.hpp"

namespace sovra::store {

using namespace detail;

namespace {

constexpr std::string_view kLimitChannel = "sovra_rate_limits";
constexpr const char* kLimitColumns =
    "id, org_id, project_id, key_id, model, requests_per_minute, requests_per_day, tokens_per_minute,"
    " tokens_per_day, concurrent_requests, updated_at";

RateLimitRecord limit_from(const SqlRow& r) {
  RateLimitRecord l;
  l.id = text(r, 0);
  l.org_id = text(r, 1);
  l.project_id = text(r, 2);
  l.key_id = text(r, 3);
  l.model = text(r, 4);
  l.requests_per_minute = integer(r, 5);
  l.requests_per_day = integer(r, 6);
  l.tokens_per_minute = integer(r, 7);
  l.tokens_per_day = integer(r, 8);
  l.concurrent_requests = integer(r, 9);
  l.updated_at = integer(r, 10);
  return l;
}

}  // namespace

Result<Page<RateLimitRecord>> SqlStore::list_rate_limits(const std::string& org_id, const std::string& project_id,
                                                         const std::string& key_id, const PageRequest& page) {
  const auto limit = clamp_limit(page.limit);
  Page<RateLimitRecord> out;
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query(std::string("SELECT ") + kLimitColumns +
                                     " FROM rate_limits WHERE org_id = ? AND project_id = ? AND key_id = ? AND id > ?"
                                     " ORDER BY id LIMIT ?",
                                 {org_id, project_id, key_id, page.after, limit + 1}));
    out = to_page<RateLimitRecord>(rows, limit, limit_from);
    return {};
  }); !tx_) return tx_.error();
  return out;
}

Result<RateLimitRecord> SqlStore::get_rate_limit(const std::string& org_id, const std::string& project_id,
                                                 const std::string& key_id, const std::string& id) {
  std::optional<RateLimitRecord> out;
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query(std::string("SELECT ") + kLimitColumns +
                                     " FROM rate_limits WHERE org_id = ? AND project_id = ? AND key_id = ? AND id = ?",
                                 {org_id, project_id, key_id, id}));
    if (!rows.rows.empty()) out = limit_from(rows.rows[0]);
    return {};
  }); !tx_) return tx_.error();
  if (!out) return not_found("rate limit", id);
  return *out;
}

Status SqlStore::put_rate_limit(const RateLimitRecord& l) {
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_CHECK(s.query("DELETE FROM rate_limits WHERE org_id = ? AND project_id = ? AND key_id = ? AND id = ?",
                        {l.org_id, l.project_id, l.key_id, l.id}));
    SOVRA_CHECK(s.query("INSERT INTO rate_limits (id, org_id, project_id, key_id, model, requests_per_minute,"
                        " requests_per_day, tokens_per_minute, tokens_per_day, concurrent_requests, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        {l.id, l.org_id, l.project_id, l.key_id, l.model, l.requests_per_minute, l.requests_per_day,
                         l.tokens_per_minute, l.tokens_per_day, l.concurrent_requests, l.updated_at}));
    return db_->notify(s, kLimitChannel, l.id);
  }); !tx_) return tx_.error();
  notify_limits_local();
  return {};
}

Status SqlStore::delete_rate_limit(const std::string& org_id, const std::string& project_id,
                                   const std::string& key_id, const std::string& id) {
  std::int64_t affected = 0;
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(auto r, s.query("DELETE FROM rate_limits WHERE org_id = ? AND project_id = ? AND key_id = ? AND id = ?",
                              {org_id, project_id, key_id, id}));
    affected = r.affected;
    return db_->notify(s, kLimitChannel, id);
  }); !tx_) return tx_.error();
  if (affected == 0) return not_found("rate limit", id);
  notify_limits_local();
  return {};
}

Result<std::vector<RateLimitRecord>> SqlStore::all_rate_limits() {
  std::vector<RateLimitRecord> out;
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query(std::string("SELECT ") + kLimitColumns + " FROM rate_limits ORDER BY org_id, id"));
    for (const auto& r : rows.rows) out.push_back(limit_from(r));
    return {};
  }); !tx_) return tx_.error();
  return out;
}

void SqlStore::notify_limits_local() {
  std::lock_guard lock(listeners_mu_);
  for (const auto& fn : limit_listeners_) fn();
}

Status SqlStore::on_rate_limit_change(std::function<void()> fn) {
  {
    std::lock_guard lock(listeners_mu_);
    limit_listeners_.push_back(fn);
  }
  return db_->listen(std::string(kLimitChannel), [fn = std::move(fn)](std::string_view) { fn(); });
}

}  // namespace sovra::store
