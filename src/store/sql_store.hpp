#pragma once
// The Store over a SqlDatabase: one implementation of the queries for both drivers (SQLite, PostgreSQL).
#include <memory>
#include <mutex>
#include <vector>

#include "store/sql.hpp"
#include "store/store.hpp"

namespace sovra::store {

class SqlStore final : public Store {
 public:
  // Applies migrations; fails when the database is newer than this binary.
  static Result<std::unique_ptr<SqlStore>> open(std::unique_ptr<SqlDatabase> db);

  std::string_view backend() const override { return db_->dialect(); }
  std::int64_t schema_version() override { return schema_version_; }

  Status create_organization(const Organization& org) override;
  Result<Organization> get_organization(const std::string& id) override;
  Result<Page<Organization>> list_organizations(const PageRequest& page) override;

  Status create_project(const Project& p) override;
  Result<Project> get_project(const std::string& org_id, const std::string& id) override;
  Result<Page<Project>> list_projects(const std::string& org_id, const PageRequest& page,
                                      bool include_archived) override;
  Result<Project> rename_project(const std::string& org_id, const std::string& id, const std::string& name) override;
  Result<Project> archive_project(const std::string& org_id, const std::string& id, Timestamp at) override;

  Status create_key(const ApiKeyRecord& key) override;
  Result<ApiKeyRecord> get_key(const std::string& id) override;
  Result<std::vector<ApiKeyRecord>> all_keys() override;
  Result<Page<ApiKeyRecord>> list_keys(const std::string& org_id, const std::string& project_id, KeyKind kind,
                                       const PageRequest& page) override;
  Result<ApiKeyRecord> rotate_key(const std::string& org_id, const std::string& id, const std::string& salt,
                                  const std::string& hash, const std::string& redacted,
                                  Timestamp old_valid_until) override;
  Status revoke_key(const std::string& org_id, const std::string& id, Timestamp at) override;
  Status delete_key(const std::string& org_id, const std::string& id) override;
  Status set_key_role(const std::string& org_id, const std::string& id, const std::string& role) override;
  Status touch_keys(const std::vector<std::pair<std::string, Timestamp>>& used) override;
  Status on_key_change(std::function<void(std::string_view key_id)> fn) override;

  Status create_service_account(const ServiceAccount& sa) override;
  Result<ServiceAccount> get_service_account(const std::string& org_id, const std::string& project_id,
                                             const std::string& id) override;
  Result<Page<ServiceAccount>> list_service_accounts(const std::string& org_id, const std::string& project_id,
                                                     const PageRequest& page) override;
  Status delete_service_account(const std::string& org_id, const std::string& project_id,
                                const std::string& id) override;

  Status create_user(const User& u) override;
  Result<User> get_user(const std::string& org_id, const std::string& id) override;
  Result<Page<User>> list_users(const std::string& org_id, const PageRequest& page) override;
  Result<User> set_user_role(const std::string& org_id, const std::string& id, const std::string& role) override;
  Status delete_user(const std::string& org_id, const std::string& id) override;

  Status create_invite(const Invite& inv) override;
  Result<Invite> get_invite(const std::string& org_id, const std::string& id) override;
  Result<Page<Invite>> list_invites(const std::string& org_id, const PageRequest& page) override;
  Status delete_invite(const std::string& org_id, const std::string& id) override;
  Result<Invite> find_invite(const std::string& id) override;
  Status accept_invite(const std::string& invite_id, Timestamp now, const User& user,
                       const ApiKeyRecord& key) override;

  Result<Page<RateLimitRecord>> list_rate_limits(const std::string& org_id, const std::string& project_id,
                                                 const std::string& key_id, const PageRequest& page) override;
  Result<RateLimitRecord> get_rate_limit(const std::string& org_id, const std::string& project_id,
                                         const std::string& key_id, const std::string& id) override;
  Status put_rate_limit(const RateLimitRecord& rule) override;
  Status delete_rate_limit(const std::string& org_id, const std::string& project_id, const std::string& key_id,
                           const std::string& id) override;
  Result<std::vector<RateLimitRecord>> all_rate_limits() override;
  Status on_rate_limit_change(std::function<void()> fn) override;

 private:
  SqlStore(std::unique_ptr<SqlDatabase> db, std::int64_t version) : db_(std::move(db)), schema_version_(version) {}
  // Runs `fn` in a transaction and, after commit, tells this process's key listeners about `changed_key`.
  Status write_key(const std::string& changed_key, const std::function<Status(SqlSession&)>& fn);
  void notify_local(std::string_view key_id);
  void notify_limits_local();

  std::unique_ptr<SqlDatabase> db_;
  std::int64_t schema_version_;
  std::mutex listeners_mu_;
  std::vector<std::function<void(std::string_view)>> listeners_;
  std::vector<std::function<void()>> limit_listeners_;  // guarded by listeners_mu_
};

}  // namespace sovra::store
