#include "store/sql_store.hpp"

#include "store/migrations/migrations.hpp"
#include "store/sql_rows.hpp"

namespace sovra::store {

using namespace detail;

namespace {

constexpr const char* kOrgColumns = "id, name, created_at";
constexpr const char* kProjectColumns = "id, org_id, name, created_at, archived_at";

Organization org_from(const SqlRow& r) { return {text(r, 0), text(r, 1), integer(r, 2)}; }
Project project_from(const SqlRow& r) { return {text(r, 0), text(r, 1), text(r, 2), integer(r, 3), integer(r, 4)}; }

}  // namespace

Result<std::unique_ptr<SqlStore>> SqlStore::open(std::unique_ptr<SqlDatabase> db) {
  SOVRA_TRY(auto version, migrate(*db));
  return std::unique_ptr<SqlStore>(new SqlStore(std::move(db), version));
}

Status SqlStore::write_key(const std::string& changed_key, const std::function<Status(SqlSession&)>& fn) {
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_CHECK(fn(s));
    return db_->notify(s, kKeyChannel, changed_key);
  }); !tx_) return tx_.error();
  notify_local(changed_key);
  return {};
}

void SqlStore::notify_local(std::string_view key_id) {
  std::lock_guard lock(listeners_mu_);
  for (const auto& fn : listeners_) fn(key_id);
}

Status SqlStore::on_key_change(std::function<void(std::string_view key_id)> fn) {
  {
    std::lock_guard lock(listeners_mu_);
    listeners_.push_back(fn);
  }
  return db_->listen(std::string(kKeyChannel), std::move(fn));
}

Status SqlStore::create_organization(const Organization& org) {
  auto st = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_CHECK(
        s.query("INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)", {org.id, org.name, org.created_at}));
    return {};
  });
  if (!st) return maybe_conflict(st.error(), "An organization with this id");
  return {};
}

Result<Organization> SqlStore::get_organization(const std::string& id) {
  std::optional<Organization> out;
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query(std::string("SELECT ") + kOrgColumns + " FROM organizations WHERE id = ?", {id}));
    if (!rows.rows.empty()) out = org_from(rows.rows[0]);
    return {};
  }); !tx_) return tx_.error();
  if (!out) return not_found("organization", id);
  return *out;
}

Result<Page<Organization>> SqlStore::list_organizations(const PageRequest& page) {
  const auto limit = clamp_limit(page.limit);
  Page<Organization> out;
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query(std::string("SELECT ") + kOrgColumns +
                                     " FROM organizations WHERE id > ? ORDER BY id LIMIT ?",
                                 {page.after, limit + 1}));
    out = to_page<Organization>(rows, limit, org_from);
    return {};
  }); !tx_) return tx_.error();
  return out;
}

Status SqlStore::create_project(const Project& p) {
  auto st = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_CHECK(s.query("INSERT INTO projects (id, org_id, name, created_at, archived_at) VALUES (?, ?, ?, ?, ?)",
                        {p.id, p.org_id, p.name, p.created_at, p.archived_at}));
    return {};
  });
  if (!st) return maybe_conflict(st.error(), "A project with this id");
  return {};
}

Result<Project> SqlStore::get_project(const std::string& org_id, const std::string& id) {
  std::optional<Project> out;
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query(std::string("SELECT ") + kProjectColumns +
                                     " FROM projects WHERE org_id = ? AND id = ?",
                                 {org_id, id}));
    if (!rows.rows.empty()) out = project_from(rows.rows[0]);
    return {};
  }); !tx_) return tx_.error();
  if (!out) return not_found("project", id);
  return *out;
}

Result<Page<Project>> SqlStore::list_projects(const std::string& org_id, const PageRequest& page,
                                              bool include_archived) {
  const auto limit = clamp_limit(page.limit);
  Page<Project> out;
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(auto rows,
              s.query(std::string("SELECT ") + kProjectColumns +
                          " FROM projects WHERE org_id = ? AND id > ? AND (? = 1 OR archived_at = 0) ORDER BY id LIMIT ?",
                      {org_id, page.after, std::int64_t{include_archived ? 1 : 0}, limit + 1}));
    out = to_page<Project>(rows, limit, project_from);
    return {};
  }); !tx_) return tx_.error();
  return out;
}

Result<Project> SqlStore::rename_project(const std::string& org_id, const std::string& id, const std::string& name) {
  if (auto tx_ = db_->transaction([&](SqlSession& s) -> Status {
    SOVRA_CHECK(s.query("UPDATE projects SET name = ? WHERE org_id = ? AND id = ?", {name, org_id, id}));
    return {};
  }); !tx_) return tx_.error();
  return get_project(org_id, id);
}

Result<Project> SqlStore::archive_project(const std::string& org_id, const std::string& id, Timestamp at) {
  // Archiving a project revokes its keys, in the same transaction.
  if (auto tx_ = write_key("", [&](SqlSession& s) -> Status {
    SOVRA_TRY(auto r, s.query("UPDATE projects SET archived_at = ? WHERE org_id = ? AND id = ? AND archived_at = 0",
                              {at, org_id, id}));
    if (r.affected == 0) return {};
    SOVRA_CHECK(s.query("UPDATE api_keys SET revoked_at = ? WHERE org_id = ? AND project_id = ? AND revoked_at = 0",
                        {at, org_id, id}));
    return {};
  }); !tx_) return tx_.error();
  return get_project(org_id, id);
}

}  // namespace sovra::store
