// `sovra admin …`: tenancy administration directly on the store (the SQLite file in the data directory, or the
// PostgreSQL of store.url), also while a server runs: servers notice the changes (SQLite: within a fraction of a
// second by polling data_version; PostgreSQL: NOTIFY). Prints JSON in the shapes of the administration API.
// With --url and --admin-key (or --admin-key-file) the projects, keys and users commands talk to a running server's
// administration API instead (admin_remote.hpp); the organization is then the admin key's, and its role applies.
#include <CLI/CLI.hpp>

#include <boost/json.hpp>

#include <fstream>
#include <iostream>
#include <memory>

#include "app/admin_limits_cli.hpp"
#include "app/admin_remote.hpp"
#include "app/command.hpp"
#include "app/config_flags.hpp"
#include "app/platform_wiring.hpp"
#include "common/logging.hpp"
#include "platform/admin/admin_json.hpp"
#include "platform/bootstrap.hpp"
#include "platform/ids.hpp"
#include "platform/key_issuer.hpp"
#include "store/open.hpp"

namespace sovra::app {
namespace {

struct AdminArgs {
  ConfigFlags flags;
  std::string org;
  std::string project;
  std::string name;
  std::string id;
  std::string email;
  std::string role = "member";
  std::string key_role = "owner";  // admin keys
  bool admin_key = false;
  std::string url;                 // remote mode: the server's base URL
  std::string remote_admin_key;    // remote mode: the admin key to call it with
  std::string remote_admin_key_file;
  std::vector<std::string> models;
  std::vector<std::string> endpoints;
  std::int64_t expires_in = 0;
  std::int64_t grace = -1;
  std::string after;
  std::int64_t limit = 20;
};

using Action = std::function<Status(store::Store&, const AdminArgs&, const Config&)>;
// The same command as an administration API request (remote mode); null: the command works on the store only.
using Remote = std::function<Result<RemoteRequest>(const AdminArgs&)>;

int run_remote(const AdminArgs& a, const Remote& remote) {
  if (!remote) {
    std::cerr << "sovra: this command works on the store only (drop --url)\n";
    return 2;
  }
  std::string key = a.remote_admin_key;
  if (key.empty() && !a.remote_admin_key_file.empty()) {
    std::ifstream in(a.remote_admin_key_file);
    std::getline(in, key);
  }
  if (key.empty()) {
    std::cerr << "sovra: --url needs --admin-key or --admin-key-file\n";
    return 2;
  }
  auto request = remote(a);
  if (!request) {
    std::cerr << "sovra: " << request.error().message << "\n";
    return 2;
  }
  auto reply = call_admin_api(a.url, key, *request);
  if (!reply) {
    std::cerr << "sovra: " << reply.error().message << "\n";
    return 1;
  }
  if (reply->status >= 200 && reply->status < 300) {
    std::cout << reply->body << "\n";
    return 0;
  }
  std::cerr << "sovra: HTTP " << reply->status << ": " << reply->body << "\n";
  return reply->status == 404 ? 4 : reply->status == 403 ? 3 : 1;
}

std::string page_query(const AdminArgs& a) {
  std::string q = "?limit=" + std::to_string(a.limit);
  if (!a.after.empty()) q += "&after=" + a.after;
  return q;
}

std::string key_body(const AdminArgs& a) {
  boost::json::object o;
  if (!a.name.empty()) o["name"] = a.name;
  if (a.expires_in > 0) o["expires_in"] = a.expires_in;
  if (!a.models.empty()) o["allowed_models"] = boost::json::value_from(a.models);
  if (!a.endpoints.empty()) o["allowed_endpoints"] = boost::json::value_from(a.endpoints);
  if (a.admin_key) o["role"] = a.key_role;
  return boost::json::serialize(o);
}

// Admin keys: /admin_api_keys; project keys: the project's /api_keys.
std::string keys_path(const AdminArgs& a) {
  return a.project.empty() ? "/v1/organization/admin_api_keys" : "/v1/organization/projects/" + a.project + "/api_keys";
}

const Remote kRemoteProjectsCreate = [](const AdminArgs& a) -> Result<RemoteRequest> {
  if (a.name.empty()) return Error::invalid("--name is required");
  return RemoteRequest{"POST", "/v1/organization/projects", boost::json::serialize(boost::json::object{{"name", a.name}})};
};
const Remote kRemoteProjectsList = [](const AdminArgs& a) -> Result<RemoteRequest> {
  return RemoteRequest{"GET", "/v1/organization/projects" + page_query(a) + "&include_archived=true", {}};
};
const Remote kRemoteKeysCreate = [](const AdminArgs& a) -> Result<RemoteRequest> {
  if (!a.admin_key && a.project.empty()) return Error::invalid("--project (or --admin) is required");
  auto b = a;
  if (a.admin_key) b.project.clear();
  return RemoteRequest{"POST", keys_path(b), key_body(a)};
};
const Remote kRemoteKeysList = [](const AdminArgs& a) -> Result<RemoteRequest> {
  return RemoteRequest{"GET", keys_path(a) + page_query(a), {}};
};
const Remote kRemoteKeysRevoke = [](const AdminArgs& a) -> Result<RemoteRequest> {
  if (a.id.empty()) return Error::invalid("--id is required (and --project for a project key)");
  return RemoteRequest{"POST", keys_path(a) + "/" + a.id + "/revoke", "{}"};
};
const Remote kRemoteKeysRotate = [](const AdminArgs& a) -> Result<RemoteRequest> {
  if (a.id.empty()) return Error::invalid("--id is required (and --project for a project key)");
  boost::json::object o;
  if (a.grace >= 0) o["grace_period_seconds"] = a.grace;
  return RemoteRequest{"POST", keys_path(a) + "/" + a.id + "/rotate", boost::json::serialize(o)};
};
const Remote kRemoteUsersAdd = [](const AdminArgs& a) -> Result<RemoteRequest> {
  if (a.email.empty()) return Error::invalid("--email is required");
  boost::json::object o{{"email", a.email}, {"role", a.role}};
  if (!a.name.empty()) o["name"] = a.name;
  return RemoteRequest{"POST", "/v1/organization/users", boost::json::serialize(o)};
};
const Remote kRemoteUsersList = [](const AdminArgs& a) -> Result<RemoteRequest> {
  return RemoteRequest{"GET", "/v1/organization/users" + page_query(a), {}};
};

int run(const AdminArgs& a, const Action& action) {
  auto config = a.flags.load();
  if (!config) {
    std::cerr << "sovra: invalid configuration: " << config.error().message << "\n";
    return 2;
  }
  (void)configure_logging({.level = "warn", .format = config->log.format});
  auto s = store::open_store({.url = config->store.url, .data_dir = config->data_dir, .pool_size = 1});
  if (!s) {
    std::cerr << "sovra: " << s.error().message << "\n";
    return 1;
  }
  if (auto st = action(**s, a, *config); !st) {
    std::cerr << "sovra: " << st.error().message << "\n";
    return st.error().code == ErrorCode::kNotFound ? 4 : 1;
  }
  return 0;
}

template <typename T>
void print_page(const store::Page<T>& page, const std::function<boost::json::object(const T&)>& enc,
                const std::function<std::string(const T&)>& id) {
  std::cout << platform::admin::list_json<T>(page, enc, id) << "\n";
}

Status init(store::Store& s, const AdminArgs&, const Config& c) {
  SOVRA_TRY(auto r, platform::bootstrap(s, {.data_dir = c.data_dir, .admin_key = c.auth.admin_key, .api_key = c.auth.api_key}));
  if (!r.created) {
    std::cout << "sovra: the store already has an organization; nothing to do\n";
    return {};
  }
  print_bootstrap_keys(r);
  return {};
}

Status orgs_create(store::Store& s, const AdminArgs& a, const Config&) {
  if (a.name.empty()) return Error::invalid("--name is required");
  const store::Organization org{platform::new_id("org"), a.name, platform::now_seconds()};
  SOVRA_CHECK(s.create_organization(org));
  SOVRA_TRY(auto key, platform::issue_key(s, {.org_id = org.id, .kind = store::KeyKind::kAdmin, .name = "initial admin key"}));
  boost::json::object o{{"object", "organization"}, {"id", org.id}, {"name", org.name}, {"created_at", org.created_at}};
  o["admin_api_key"] = platform::admin::key_json(key.record, key.plaintext);
  std::cout << platform::admin::to_string(o) << "\n";
  return {};
}

Status orgs_list(store::Store& s, const AdminArgs& a, const Config&) {
  SOVRA_TRY(auto page, s.list_organizations({.after = a.after, .limit = a.limit}));
  print_page<store::Organization>(
      page,
      [](const store::Organization& o) {
        return boost::json::object{{"object", "organization"}, {"id", o.id}, {"name", o.name}, {"created_at", o.created_at}};
      },
      [](const store::Organization& o) { return o.id; });
  return {};
}

Status projects_create(store::Store& s, const AdminArgs& a, const Config&) {
  if (a.org.empty() || a.name.empty()) return Error::invalid("--org and --name are required");
  SOVRA_CHECK(s.get_organization(a.org));
  const store::Project p{platform::new_id("proj"), a.org, a.name, platform::now_seconds(), 0};
  SOVRA_CHECK(s.create_project(p));
  std::cout << platform::admin::to_string(platform::admin::project_json(p)) << "\n";
  return {};
}

Status projects_list(store::Store& s, const AdminArgs& a, const Config&) {
  if (a.org.empty()) return Error::invalid("--org is required");
  SOVRA_TRY(auto page, s.list_projects(a.org, {.after = a.after, .limit = a.limit}, true));
  print_page<store::Project>(page, platform::admin::project_json, [](const store::Project& p) { return p.id; });
  return {};
}

Status keys_create(store::Store& s, const AdminArgs& a, const Config&) {
  if (a.org.empty() || (!a.admin_key && a.project.empty())) return Error::invalid("--org and --project (or --admin) are required");
  if (!a.admin_key) SOVRA_CHECK(s.get_project(a.org, a.project));
  const auto role = platform::parse_role(a.key_role);
  if (!role) return Error::invalid("--role must be one of owner, admin, member, billing, auditor");
  SOVRA_TRY(auto key, platform::issue_key(s, {.org_id = a.org,
                                               .project_id = a.project,
                                               .kind = a.admin_key ? store::KeyKind::kAdmin : store::KeyKind::kProject,
                                               .name = a.name.empty() ? "API key" : a.name,
                                               .expires_at = a.expires_in > 0 ? platform::now_seconds() + a.expires_in : 0,
                                               .allowed_models = a.models,
                                               .allowed_endpoints = a.endpoints,
                                               .role = *role}));
  std::cout << platform::admin::to_string(platform::admin::key_json(key.record, key.plaintext)) << "\n";
  return {};
}

Status keys_list(store::Store& s, const AdminArgs& a, const Config&) {
  if (a.org.empty()) return Error::invalid("--org is required");
  const auto kind = a.project.empty() ? store::KeyKind::kAdmin : store::KeyKind::kProject;
  SOVRA_TRY(auto page, s.list_keys(a.org, a.project, kind, {.after = a.after, .limit = a.limit}));
  print_page<store::ApiKeyRecord>(
      page, [](const store::ApiKeyRecord& k) { return platform::admin::key_json(k); },
      [](const store::ApiKeyRecord& k) { return platform::admin::public_key_id(k.id); });
  return {};
}

Status keys_revoke(store::Store& s, const AdminArgs& a, const Config&) {
  if (a.org.empty() || a.id.empty()) return Error::invalid("--org and --id are required");
  const auto id = platform::admin::internal_key_id(a.id);
  SOVRA_CHECK(s.revoke_key(a.org, id, platform::now_seconds()));
  SOVRA_TRY(auto k, s.get_key(id));
  std::cout << platform::admin::to_string(platform::admin::key_json(k)) << "\n";
  return {};
}

Status keys_rotate(store::Store& s, const AdminArgs& a, const Config& c) {
  if (a.org.empty() || a.id.empty()) return Error::invalid("--org and --id are required");
  SOVRA_TRY(auto key, platform::rotate_key(s, a.org, platform::admin::internal_key_id(a.id),
                                           a.grace >= 0 ? a.grace : c.auth.rotation_grace_s));
  std::cout << platform::admin::to_string(platform::admin::key_json(key.record, key.plaintext)) << "\n";
  return {};
}

Status users_add(store::Store& s, const AdminArgs& a, const Config&) {
  if (a.org.empty() || a.email.empty()) return Error::invalid("--org and --email are required");
  const store::User u{platform::new_id("user"), a.org, a.email, a.name.empty() ? a.email : a.name, a.role,
                      platform::now_seconds()};
  SOVRA_CHECK(s.get_organization(a.org));
  SOVRA_CHECK(s.create_user(u));
  std::cout << platform::admin::to_string(platform::admin::user_json(u)) << "\n";
  return {};
}

Status users_list(store::Store& s, const AdminArgs& a, const Config&) {
  if (a.org.empty()) return Error::invalid("--org is required");
  SOVRA_TRY(auto page, s.list_users(a.org, {.after = a.after, .limit = a.limit}));
  print_page<store::User>(page, platform::admin::user_json, [](const store::User& u) { return u.id; });
  return {};
}

const CommandRegistration kAdmin([](CLI::App& root, int& exit_code) {
  auto* admin = root.add_subcommand("admin", "Administer organizations, projects, keys and users in the store");
  admin->require_subcommand(1);
  auto args = std::make_shared<AdminArgs>();
  auto leaf = [&exit_code, args](CLI::App* parent, const char* name, const char* help, Action action,
                                  Remote remote = nullptr) {
    auto* cmd = parent->add_subcommand(name, help);
    args->flags.add_to(*cmd);
    cmd->add_option("--after", args->after, "list: cursor (an object id)");
    cmd->add_option("--limit", args->limit, "list: page size (1-100)");
    if (remote) {
      cmd->add_option("--url", args->url, "talk to this running server (e.g. http://127.0.0.1:8080) instead of the store");
      cmd->add_option("--admin-key", args->remote_admin_key, "with --url: the admin key to call the server with");
      cmd->add_option("--admin-key-file", args->remote_admin_key_file, "with --url: a file holding that admin key");
    }
    cmd->callback([&exit_code, args, action, remote] {
      exit_code = args->url.empty() ? run(*args, action) : run_remote(*args, remote);
    });
    return cmd;
  };
  leaf(admin, "init", "Create the first organization, project and keys in an empty store", init);
  auto* orgs = admin->add_subcommand("orgs", "Organizations");
  orgs->require_subcommand(1);
  leaf(orgs, "create", "Create an organization and its first admin key", orgs_create)
      ->add_option("--name", args->name, "organization name");
  leaf(orgs, "list", "List organizations", orgs_list);
  auto* projects = admin->add_subcommand("projects", "Projects");
  projects->require_subcommand(1);
  auto* pc = leaf(projects, "create", "Create a project", projects_create, kRemoteProjectsCreate);
  pc->add_option("--org", args->org, "organization id");
  pc->add_option("--name", args->name, "project name");
  leaf(projects, "list", "List projects", projects_list, kRemoteProjectsList)->add_option("--org", args->org, "organization id");
  auto* keys = admin->add_subcommand("keys", "API keys");
  keys->require_subcommand(1);
  auto* kc = leaf(keys, "create", "Create a project API key (or an admin key with --admin)", keys_create,
                  kRemoteKeysCreate);
  kc->add_option("--org", args->org, "organization id");
  kc->add_option("--project", args->project, "project id");
  kc->add_option("--name", args->name, "key name");
  kc->add_flag("--admin", args->admin_key, "an admin key for the organization");
  kc->add_option("--allow-model", args->models, "allowed model (repeatable; none: all)");
  kc->add_option("--allow-endpoint", args->endpoints, "allowed route, e.g. /v1/chat/completions (repeatable; none: all)");
  kc->add_option("--expires-in", args->expires_in, "seconds until the key expires");
  kc->add_option("--role", args->key_role, "with --admin: owner (default), admin, member, billing or auditor");
  auto* kl = leaf(keys, "list", "List a project's keys (or the admin keys without --project)", keys_list,
                  kRemoteKeysList);
  kl->add_option("--org", args->org, "organization id");
  kl->add_option("--project", args->project, "project id");
  auto* kr = leaf(keys, "revoke", "Revoke a key", keys_revoke, kRemoteKeysRevoke);
  kr->add_option("--project", args->project, "with --url: the project of a project key (none: an admin key)");
  kr->add_option("--org", args->org, "organization id");
  kr->add_option("--id", args->id, "key id (key_… or the id inside the key)");
  auto* kt = leaf(keys, "rotate", "Give a key a new secret; the old one stays valid for the grace period", keys_rotate,
                  kRemoteKeysRotate);
  kt->add_option("--project", args->project, "with --url: the project of a project key (none: an admin key)");
  kt->add_option("--org", args->org, "organization id");
  kt->add_option("--id", args->id, "key id");
  kt->add_option("--grace", args->grace, "seconds the old secret stays valid (default auth.rotation_grace_s)");
  auto* users = admin->add_subcommand("users", "Users");
  users->require_subcommand(1);
  auto* ua = leaf(users, "add", "Add a user to an organization", users_add, kRemoteUsersAdd);
  ua->add_option("--org", args->org, "organization id");
  ua->add_option("--email", args->email, "email address");
  ua->add_option("--name", args->name, "display name");
  ua->add_option("--role", args->role, "owner, admin, member, billing or auditor");
  leaf(users, "list", "List users", users_list, kRemoteUsersList)->add_option("--org", args->org, "organization id");
  add_limit_commands(*admin, exit_code);
});

}  // namespace
}  // namespace sovra::app
