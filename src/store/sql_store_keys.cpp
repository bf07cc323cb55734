// SqlStore: API keys (project and admin keys share one table).
#include "store/sql_rows.hpp"
#include "store/sql_store.hpp"

namespace sovra::store {

using namespace detail;

namespace {

constexpr const char* kKeyColumns =
    "id, org_id, project_id, kind, name, owner_type, owner_id, redacted, salt, hash, prev_salt, prev_hash,"
    " prev_valid_until, created_at, last_used_at, expires_at, revoked_at, allowed_models, allowed_endpoints, role";

const char* kind_name(KeyKind k) { return k == KeyKind::kAdmin ? "admin" : "project"; }

ApiKeyRecord key_from(const SqlRow& r) {
  ApiKeyRecord k;
  k.id = text(r, 0);
  k.org_id = text(r, 1);
  k.project_id = text(r, 2);
  k.kind = text(r, 3) == "admin" ? KeyKind::kAdmin : KeyKind::kProject;
  k.name = text(r, 4);
  k.owner_type = text(r, 5);
  k.owner_id = text(r, 6);
  k.redacted = text(r, 7);
  k.salt = text(r, 8);
  k.hash = text(r, 9);
  k.prev_salt = text(r, 10);
  k.prev_hash = text(r, 11);
  k.prev_valid_until = integer(r, 12);
  k.created_at = integer(r, 13);
  k.last_used_at = integer(r, 14);
  k.expires_at = integer(r, 15);
  k.revoked_at = integer(r, 16);
  k.allowed_models = parse_string_list(text(r, 17));
  k.allowed_endpoints = parse_string_list(text(r, 18));
  k.role = text(r, 19);
  return k;
}

std::string select_keys(std::string_view where) { return std::string("SELECT ") + kKeyColumns + " FROM api_keys " + std::string(where); }

}  // namespace

Status detail::insert_key_row(SqlSession& s, const ApiKeyRecord& k) {
  SOVRA_CHECK(s.query(std::string("INSERT INTO api_keys (") + kKeyColumns +
                            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        {k.id, k.org_id, k.project_id, std::string(kind_name(k.kind)), k.name, k.owner_type, k.owner_id,
                         k.redacted, k.salt, k.hash, k.prev_salt, k.prev_hash, k.prev_valid_until, k.created_at,
                         k.last_used_at, k.expires_at, k.revoked_at, string_list_json(k.allowed_models),
                         string_list_json(k.allowed_endpoints), k.role}));
  return {};
}

Status SqlStore::create_key(const ApiKeyRecord& k) {
  auto st = write_key(k.id, [&](SqlSession& s) -> Status { return insert_key_row(s, k); });
  if (!st) return maybe_conflict(st.error(), "An API key with this id");
  return {};
}

Status SqlStore::set_key_role(const std::string& org_id, const std::string& id, const std::string& role) {
  bool found = false;
  if (auto tx_ = write_key(id, [&](SqlSession& s) -> Status {
    SOVRA_TRY(auto r, s.query("UPDATE api_keys SET role = ? WHERE org_id = ? AND id = ? AND kind = 'admin'",
                              {role, org_id, id}));
    found = r.affected > 0;
    return {};
  }); !tx_) return tx_.error();
  if (!found) return not_found("API key", id);
  return {};
}

Result<ApiKeyRecord> SqlStore::get_key(const std::string& id) {
  std::optional<ApiKeyRecord> out;
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query(select_keys("WHERE id = ?"), {id}));
    if (!rows.rows.empty()) out = key_from(rows.rows[0]);
    return {};
  }); !tx_) return tx_.error();
  if (!out) return not_found("API key", id);
  return *out;
}

Result<std::vector<ApiKeyRecord>> SqlStore::all_keys() {
  std::vector<ApiKeyRecord> out;
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query(select_keys("ORDER BY id")));
    out.reserve(rows.rows.size());
    for (const auto& r : rows.rows) out.push_back(key_from(r));
    return {};
  }); !tx_) return tx_.error();
  return out;
}

Result<Page<ApiKeyRecord>> SqlStore::list_keys(const std::string& org_id, const std::string& project_id, KeyKind kind,
                                               const PageRequest& page) {
  const auto limit = clamp_limit(page.limit);
  Page<ApiKeyRecord> out;
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query(select_keys("WHERE org_id = ? AND kind = ? AND project_id = ? AND id > ?"
                                             " ORDER BY id LIMIT ?"),
                                 {org_id, std::string(kind_name(kind)), project_id, page.after, limit + 1}));
    out = to_page<ApiKeyRecord>(rows, limit, key_from);
    return {};
  }); !tx_) return tx_.error();
  return out;
}

Result<ApiKeyRecord> SqlStore::rotate_key(const std::string& org_id, const std::string& id, const std::string& salt,
                                          const std::string& hash, const std::string& redacted,
                                          Timestamp old_valid_until) {
  bool found = false;
  if (auto tx_ = write_key(id, [&](SqlSession& s) -> Status {
    SOVRA_TRY(auto r, s.query("UPDATE api_keys SET prev_salt = salt, prev_hash = hash, prev_valid_until = ?,"
                              " salt = ?, hash = ?, redacted = ? WHERE org_id = ? AND id = ? AND revoked_at = 0",
                              {old_valid_until, salt, hash, redacted, org_id, id}));
    found = r.affected > 0;
    return {};
  }); !tx_) return tx_.error();
  if (!found) return not_found("API key", id);
  return get_key(id);
}

Status SqlStore::revoke_key(const std::string& org_id, const std::string& id, Timestamp at) {
  bool found = false;
  if (auto tx_ = write_key(id, [&](SqlSession& s) -> Status {
    SOVRA_TRY(auto r, s.query("SELECT 1 FROM api_keys WHERE org_id = ? AND id = ?", {org_id, id}));
    found = !r.rows.empty();
    SOVRA_CHECK(s.query("UPDATE api_keys SET revoked_at = ? WHERE org_id = ? AND id = ? AND revoked_at = 0",
                        {at, org_id, id}));
    return {};
  }); !tx_) return tx_.error();
  if (!found) return not_found("API key", id);
  return {};
}

Status SqlStore::delete_key(const std::string& org_id, const std::string& id) {
  bool found = false;
  if (auto tx_ = write_key(id, [&](SqlSession& s) -> Status {
    SOVRA_TRY(auto r, s.query("DELETE FROM api_keys WHERE org_id = ? AND id = ?", {org_id, id}));
    found = r.affected > 0;
    return {};
  }); !tx_) return tx_.error();
  if (!found) return not_found("API key", id);
  return {};
}

Status SqlStore::touch_keys(const std::vector<std::pair<std::string, Timestamp>>& used) {
  if (used.empty()) return {};
  // No notification: last-used times do not change what a key may do.
  return db_->transaction([&](SqlSession& s) -> Status {
    for (const auto& [id, at] : used) {
      SOVRA_CHECK(s.query("UPDATE api_keys SET last_used_at = ? WHERE id = ? AND last_used_at < ?", {at, id, at}));
    }
    return {};
  });
}

}  // namespace sovra::store
