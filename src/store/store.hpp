#pragma once
// The Store: where tenancy state lives. Two implementations (SQLite, PostgreSQL) pass one test suite.
//
// Contract:
// - Every method blocks the calling thread on the database: call it from the store executor (store/executor.hpp)
//   or at start-up, never from an HTTP I/O thread.
// - Reads scoped by organisation (`org_id`) return not-found for objects of another organisation, exactly as for
//   objects that do not exist, so that callers cannot tell the two apart.
// - Listings are ordered by id (ids are time-ordered), cursor `after` excludes that id.
// - Writes to API keys notify every process (see on_key_change) once committed.
// - Thread-safe.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "store/records.hpp"

namespace sovra::store {

class Store {
 public:
  virtual ~Store() = default;
  virtual std::string_view backend() const = 0;  // "sqlite" | "postgres"
  virtual std::int64_t schema_version() = 0;

  virtual Status create_organization(const Organization& org) = 0;
  virtual Result<Organization> get_organization(const std::string& id) = 0;
  virtual Result<Page<Organization>> list_organizations(const PageRequest& page) = 0;

  virtual Status create_project(const Project& p) = 0;
  virtual Result<Project> get_project(const std::string& org_id, const std::string& id) = 0;
  virtual Result<Page<Project>> list_projects(const std::string& org_id, const PageRequest& page,
                                              bool include_archived) = 0;
  virtual Result<Project> rename_project(const std::string& org_id, const std::string& id, const std::string& name) = 0;
  virtual Result<Project> archive_project(const std::string& org_id, const std::string& id, Timestamp at) = 0;

  virtual Status create_key(const ApiKeyRecord& key) = 0;
  // Any key by id, for the authentication cache; not-found if absent.
  virtual Result<ApiKeyRecord> get_key(const std::string& id) = 0;
  virtual Result<std::vector<ApiKeyRecord>> all_keys() = 0;
  // Scoped: project keys of one project (kind kProject) or the admin keys of an organisation (project_id empty).
  virtual Result<Page<ApiKeyRecord>> list_keys(const std::string& org_id, const std::string& project_id, KeyKind kind,
                                               const PageRequest& page) = 0;
  virtual Result<ApiKeyRecord> rotate_key(const std::string& org_id, const std::string& id, const std::string& salt,
                                          const std::string& hash, const std::string& redacted,
                                          Timestamp old_valid_until) = 0;
  virtual Status revoke_key(const std::string& org_id, const std::string& id, Timestamp at) = 0;
  virtual Status delete_key(const std::string& org_id, const std::string& id) = 0;
  // The role of an admin key (not-found for project keys and other organisations' keys).
  virtual Status set_key_role(const std::string& org_id, const std::string& id, const std::string& role) = 0;
  // Last-used times, batched; ignores keys that no longer exist and never moves a time backwards.
  virtual Status touch_keys(const std::vector<std::pair<std::string, Timestamp>>& used) = 0;
  // Calls `fn` from a background thread with a key id whenever that key changed in any process, or with an empty
  // id when anything may have changed. Call once, before serving.
  virtual Status on_key_change(std::function<void(std::string_view key_id)> fn) = 0;

  virtual Status create_service_account(const ServiceAccount& sa) = 0;
  virtual Result<ServiceAccount> get_service_account(const std::string& org_id, const std::string& project_id,
                                                     const std::string& id) = 0;
  virtual Result<Page<ServiceAccount>> list_service_accounts(const std::string& org_id, const std::string& project_id,
                                                             const PageRequest& page) = 0;
  // Deletes the account and its keys.
  virtual Status delete_service_account(const std::string& org_id, const std::string& project_id,
                                        const std::string& id) = 0;

  virtual Status create_user(const User& u) = 0;  // conflict when the email is already a member
  virtual Result<User> get_user(const std::string& org_id, const std::string& id) = 0;
  virtual Result<Page<User>> list_users(const std::string& org_id, const PageRequest& page) = 0;
  virtual Result<User> set_user_role(const std::string& org_id, const std::string& id, const std::string& role) = 0;
  virtual Status delete_user(const std::string& org_id, const std::string& id) = 0;

  virtual Status create_invite(const Invite& inv) = 0;
  virtual Result<Invite> get_invite(const std::string& org_id, const std::string& id) = 0;
  virtual Result<Page<Invite>> list_invites(const std::string& org_id, const PageRequest& page) = 0;
  virtual Status delete_invite(const std::string& org_id, const std::string& id) = 0;
  // Any invite by id, with its token hash (acceptance: the token names the invite, not its organisation).
  virtual Result<Invite> find_invite(const std::string& id) = 0;
  // In one transaction: marks the pending, unexpired invite `invite_id` accepted at `now`, adds `user` and creates
  // `key`. Conflict (and nothing changes) when the invite is no longer pending, expired, or the email is taken.
  virtual Status accept_invite(const std::string& invite_id, Timestamp now, const User& user,
                               const ApiKeyRecord& key) = 0;

  // Rate-limit rules. A scope is (org_id, project_id, key_id) as in RateLimitRecord; ids are unique per scope.
  // put_rate_limit creates or replaces the rule (scope, id). Writes notify every process (on_rate_limit_change).
  virtual Result<Page<RateLimitRecord>> list_rate_limits(const std::string& org_id, const std::string& project_id,
                                                         const std::string& key_id, const PageRequest& page) = 0;
  virtual Result<RateLimitRecord> get_rate_limit(const std::string& org_id, const std::string& project_id,
                                                 const std::string& key_id, const std::string& id) = 0;
  virtual Status put_rate_limit(const RateLimitRecord& rule) = 0;
  virtual Status delete_rate_limit(const std::string& org_id, const std::string& project_id, const std::string& key_id,
                                   const std::string& id) = 0;
  virtual Result<std::vector<RateLimitRecord>> all_rate_limits() = 0;
  // Calls `fn` from a background thread whenever rate limits may have changed in any process. Call once.
  virtual Status on_rate_limit_change(std::function<void()> fn) = 0;
};

}  // namespace sovra::store
