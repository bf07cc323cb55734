// SqlStore: service accounts, users and invites.
#include "store/sql_rows.hpp"
#include "store/sql_store.hpp"

namespace sovra::store {

using namespace detail;

namespace {

constexpr const char* kSaColumns = "id, org_id, project_id, name, role, created_at";
constexpr const char* kUserColumns = "id, org_id, email, name, role, added_at";
constexpr const char* kInviteColumns =
    "id, org_id, email, role, status, invited_at, expires_at, accepted_at, token_salt, token_hash";

ServiceAccount sa_from(const SqlRow& r) {
  return {text(r, 0), text(r, 1), text(r, 2), text(r, 3), text(r, 4), integer(r, 5)};
}
User user_from(const SqlRow& r) { return {text(r, 0), text(r, 1), text(r, 2), text(r, 3), text(r, 4), integer(r, 5)}; }
Invite invite_from(const SqlRow& r) {
  return {text(r, 0),    text(r, 1),    text(r, 2), text(r, 3), text(r, 4),
          integer(r, 5), integer(r, 6), integer(r, 7), text(r, 8), text(r, 9)};
}

std::string select(const char* columns, const char* table, std::string_view where) {
  return std::string("SELECT ") + columns + " FROM " + table + " " + std::string(where);
}

}  // namespace

Status SqlStore::create_service_account(const ServiceAccount& sa) {
  auto st = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_CHECK(s.query(std::string("INSERT INTO service_accounts (") + kSaColumns + ") VALUES (?, ?, ?, ?, ?, ?)",
                        {sa.id, sa.org_id, sa.project_id, sa.name, sa.role, sa.created_at}));
    return {};
  });
  if (!st) return maybe_conflict(st.error(), "A service account with this id");
  return {};
}

Result<ServiceAccount> SqlStore::get_service_account(const std::string& org_id, const std::string& project_id,
                                                     const std::string& id) {
  std::optional<ServiceAccount> out;
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query(select(kSaColumns, "service_accounts", "WHERE org_id = ? AND project_id = ? AND id = ?"),
                                 {org_id, project_id, id}));
    if (!rows.rows.empty()) out = sa_from(rows.rows[0]);
    return {};
  }); !tx_) return tx_.error();
  if (!out) return not_found("service account", id);
  return *out;
}

Result<Page<ServiceAccount>> SqlStore::list_service_accounts(const std::string& org_id, const std::string& project_id,
                                                             const PageRequest& page) {
  const auto limit = clamp_limit(page.limit);
  Page<ServiceAccount> out;
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query(select(kSaColumns, "service_accounts",
                                        "WHERE org_id = ? AND project_id = ? AND id > ? ORDER BY id LIMIT ?"),
                                 {org_id, project_id, page.after, limit + 1}));
    out = to_page<ServiceAccount>(rows, limit, sa_from);
    return {};
  }); !tx_) return tx_.error();
  return out;
}

Status SqlStore::delete_service_account(const std::string& org_id, const std::string& project_id,
                                        const std::string& id) {
  bool found = false;
  if (auto tx_ = write_key("", [&](SqlSession& s) -> Status {
    SOVRA_TRY(auto r, s.query("DELETE FROM service_accounts WHERE org_id = ? AND project_id = ? AND id = ?",
                              {org_id, project_id, id}));
    found = r.affected > 0;
    if (found) {
      SOVRA_CHECK(s.query("DELETE FROM api_keys WHERE org_id = ? AND owner_type = 'service_account' AND owner_id = ?",
                          {org_id, id}));
    }
    return {};
  }); !tx_) return tx_.error();
  if (!found) return not_found("service account", id);
  return {};
}

Status SqlStore::create_user(const User& u) {
  auto st = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_CHECK(s.query(std::string("INSERT INTO users (") + kUserColumns + ") VALUES (?, ?, ?, ?, ?, ?)",
                        {u.id, u.org_id, u.email, u.name, u.role, u.added_at}));
    return {};
  });
  if (!st) return maybe_conflict(st.error(), "A user with this email");
  return {};
}

Result<User> SqlStore::get_user(const std::string& org_id, const std::string& id) {
  std::optional<User> out;
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query(select(kUserColumns, "users", "WHERE org_id = ? AND id = ?"), {org_id, id}));
    if (!rows.rows.empty()) out = user_from(rows.rows[0]);
    return {};
  }); !tx_) return tx_.error();
  if (!out) return not_found("user", id);
  return *out;
}

Result<Page<User>> SqlStore::list_users(const std::string& org_id, const PageRequest& page) {
  const auto limit = clamp_limit(page.limit);
  Page<User> out;
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query(select(kUserColumns, "users", "WHERE org_id = ? AND id > ? ORDER BY id LIMIT ?"),
                                 {org_id, page.after, limit + 1}));
    out = to_page<User>(rows, limit, user_from);
    return {};
  }); !tx_) return tx_.error();
  return out;
}

Result<User> SqlStore::set_user_role(const std::string& org_id, const std::string& id, const std::string& role) {
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_CHECK(s.query("UPDATE users SET role = ? WHERE org_id = ? AND id = ?", {role, org_id, id}));
    return {};
  }); !tx_) return tx_.error();
  return get_user(org_id, id);
}

Status SqlStore::delete_user(const std::string& org_id, const std::string& id) {
  bool found = false;
  if (auto tx_ = write_key("", [&](SqlSession& s) -> Status {
    SOVRA_TRY(auto r, s.query("DELETE FROM users WHERE org_id = ? AND id = ?", {org_id, id}));
    found = r.affected > 0;
    if (found) {
      SOVRA_CHECK(
          s.query("DELETE FROM api_keys WHERE org_id = ? AND owner_type = 'user' AND owner_id = ?", {org_id, id}));
    }
    return {};
  }); !tx_) return tx_.error();
  if (!found) return not_found("user", id);
  return {};
}

Status SqlStore::create_invite(const Invite& inv) {
  auto st = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_CHECK(s.query(std::string("INSERT INTO invites (") + kInviteColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        {inv.id, inv.org_id, inv.email, inv.role, inv.status, inv.invited_at, inv.expires_at,
                         inv.accepted_at, inv.token_salt, inv.token_hash}));
    return {};
  });
  if (!st) return maybe_conflict(st.error(), "An invite with this id");
  return {};
}

Result<Invite> SqlStore::get_invite(const std::string& org_id, const std::string& id) {
  std::optional<Invite> out;
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query(select(kInviteColumns, "invites", "WHERE org_id = ? AND id = ?"), {org_id, id}));
    if (!rows.rows.empty()) out = invite_from(rows.rows[0]);
    return {};
  }); !tx_) return tx_.error();
  if (!out) return not_found("invite", id);
  return *out;
}

Result<Page<Invite>> SqlStore::list_invites(const std::string& org_id, const PageRequest& page) {
  const auto limit = clamp_limit(page.limit);
  Page<Invite> out;
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query(select(kInviteColumns, "invites", "WHERE org_id = ? AND id > ? ORDER BY id LIMIT ?"),
                                 {org_id, page.after, limit + 1}));
    out = to_page<Invite>(rows, limit, invite_from);
    return {};
  }); !tx_) return tx_.error();
  return out;
}

Status SqlStore::delete_invite(const std::string& org_id, const std::string& id) {
  bool found = false;
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(auto r, s.query("DELETE FROM invites WHERE org_id = ? AND id = ?", {org_id, id}));
    found = r.affected > 0;
    return {};
  }); !tx_) return tx_.error();
  if (!found) return not_found("invite", id);
  return {};
}

Result<Invite> SqlStore::find_invite(const std::string& id) {
  std::optional<Invite> out;
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query(select(kInviteColumns, "invites", "WHERE id = ?"), {id}));
    if (!rows.rows.empty()) out = invite_from(rows.rows[0]);
    return {};
  }); !tx_) return tx_.error();
  if (!out) return not_found("invite", id);
  return *out;
}

Status SqlStore::accept_invite(const std::string& invite_id, Timestamp now, const User& user,
                               const ApiKeyRecord& key) {
  bool accepted = false;
  auto st = write_key(key.id, [&](SqlSession& s) -> Status {
    SOVRA_TRY(auto r, s.query("UPDATE invites SET status = 'accepted', accepted_at = ?"
                              " WHERE id = ? AND org_id = ? AND status = 'pending' AND expires_at > ?",
                              {now, invite_id, user.org_id, now}));
    if (r.affected == 0) return {};  // commits nothing
    SOVRA_CHECK(s.query(std::string("INSERT INTO users (") + kUserColumns + ") VALUES (?, ?, ?, ?, ?, ?)",
                        {user.id, user.org_id, user.email, user.name, user.role, user.added_at}));
    SOVRA_CHECK(insert_key_row(s, key));
    accepted = true;
    return {};
  });
  if (!st) return maybe_conflict(st.error(), "A user with this email");
  if (!accepted) return Error{ErrorCode::kConflict, "The invite is no longer pending.", {}, 0};
  return {};
}

}  // namespace sovra::store
