// `sovra admin …`: tenancy administration directly on the store (the SQLite file in the data directory, or the
// PostgreSQL of store.url), also while a server runs: servers notice the changes (SQLite: within a fraction of a
// second by polling data_version; PostgreSQL: NOTIFY). Prints JSON in the shapes of the administration API.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "app/admin_limits_cli.hpp"
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
  bool admin_key = false;
  std::vector<std::string> models;
  std::vector<std::string> endpoints;
  std::int64_t expires_in = 0;
  std::int64_t grace = -1;
  std::string after;
  std::int64_t limit = 20;
};

using Action = std::function<Status(store::Store&, const AdminArgs&, const Config&)>;

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
  SOVRA_TRY(auto key, platform::issue_key(s, {.org_id = a.org,
                                               .project_id = a.project,
                                               .kind = a.admin_key ? store::KeyKind::kAdmin : store::KeyKind::kProject,
                                               .name = a.name.empty() ? "API key" : a.name,
                                               .expires_at = a.expires_in > 0 ? platform::now_seconds() + a.expires_in : 0,
                                               .allowed_models = a.models,
                                               .allowed_endpoints = a.endpoints}));
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
  auto leaf = [&exit_code, args](CLI::App* parent, const char* name, const char* help, Action action) {
    auto* cmd = parent->add_subcommand(name, help);
    args->flags.add_to(*cmd);
    cmd->add_option("--after", args->after, "list: cursor (an object id)");
    cmd->add_option("--limit", args->limit, "list: page size (1-100)");
    cmd->callback([&exit_code, args, action] { exit_code = run(*args, action); });
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
  auto* pc = leaf(projects, "create", "Create a project", projects_create);
  pc->add_option("--org", args->org, "organization id");
  pc->add_option("--name", args->name, "project name");
  leaf(projects, "list", "List projects", projects_list)->add_option("--org", args->org, "organization id");
  auto* keys = admin->add_subcommand("keys", "API keys");
  keys->require_subcommand(1);
  auto* kc = leaf(keys, "create", "Create a project API key (or an admin key with --admin)", keys_create);
  kc->add_option("--org", args->org, "organization id");
  kc->add_option("--project", args->project, "project id");
  kc->add_option("--name", args->name, "key name");
  kc->add_flag("--admin", args->admin_key, "an admin key for the organization");
  kc->add_option("--allow-model", args->models, "allowed model (repeatable; none: all)");
  kc->add_option("--allow-endpoint", args->endpoints, "allowed route, e.g. /v1/chat/completions (repeatable; none: all)");
  kc->add_option("--expires-in", args->expires_in, "seconds until the key expires");
  auto* kl = leaf(keys, "list", "List a project's keys (or the admin keys without --project)", keys_list);
  kl->add_option("--org", args->org, "organization id");
  kl->add_option("--project", args->project, "project id");
  auto* kr = leaf(keys, "revoke", "Revoke a key", keys_revoke);
  kr->add_option("--org", args->org, "organization id");
  kr->add_option("--id", args->id, "key id (key_… or the id inside the key)");
  auto* kt = leaf(keys, "rotate", "Give a key a new secret; the old one stays valid for the grace period", keys_rotate);
  kt->add_option("--org", args->org, "organization id");
  kt->add_option("--id", args->id, "key id");
  kt->add_option("--grace", args->grace, "seconds the old secret stays valid (default auth.rotation_grace_s)");
  auto* users = admin->add_subcommand("users", "Users");
  users->require_subcommand(1);
  auto* ua = leaf(users, "add", "Add a user to an organization", users_add);
  ua->add_option("--org", args->org, "organization id");
  ua->add_option("--email", args->email, "email address");
  ua->add_option("--name", args->name, "display name");
  ua->add_option("--role", args->role, "owner, admin, member, billing or auditor");
  leaf(users, "list", "List users", users_list)->add_option("--org", args->org, "organization id");
  add_limit_commands(*admin, exit_code);
});

}  // namespace
}  // namespace sovra::app
