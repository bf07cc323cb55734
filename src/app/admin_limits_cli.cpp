#include "app/admin_limits_cli.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <optional>

#include "app/config_flags.hpp"
#include "common/logging.hpp"
#include "platform/admin/admin_json.hpp"
#include "platform/admin/rate_limit_json.hpp"
#include "platform/ids.hpp"
#include "store/open.hpp"

namespace sovra::app {
namespace {

struct LimitArgs {
  ConfigFlags flags;
  std::string org;
  std::string project;
  std::string key;
  std::string model = "*";
  std::optional<std::int64_t> rpm, rpd, tpm, tpd, concurrent;
  std::string after;
  std::int64_t limit = 20;
};

// The scope, checked: the project belongs to the organisation, the key to the project.
Status check_scope(store::Store& s, const LimitArgs& a) {
  if (a.org.empty()) return Error::invalid("--org is required");
  SOVRA_CHECK(s.get_organization(a.org));
  if (!a.key.empty() && a.project.empty()) return Error::invalid("--key needs --project");
  if (!a.project.empty()) SOVRA_CHECK(s.get_project(a.org, a.project));
  if (!a.key.empty()) {
    SOVRA_TRY(auto k, s.get_key(platform::admin::internal_key_id(a.key)));
    if (k.org_id != a.org || k.project_id != a.project || k.kind != store::KeyKind::kProject) {
      return Error::not_found("No API key '" + a.key + "' in project " + a.project + ".");
    }
  }
  return {};
}

Status set(store::Store& s, const LimitArgs& a) {
  SOVRA_CHECK(check_scope(s, a));
  const std::string key_id = platform::admin::internal_key_id(a.key);
  store::RateLimitRecord r;
  const auto id = platform::admin::rate_limit_id(a.model);
  if (auto existing = s.get_rate_limit(a.org, a.project, key_id, id)) r = *existing;
  r.id = id;
  r.org_id = a.org;
  r.project_id = a.project;
  r.key_id = key_id;
  r.model = a.model;
  auto apply = [](const std::optional<std::int64_t>& v, std::int64_t& out, const char* flag) -> Status {
    if (!v) return {};
    if (*v < 0 || *v > 100'000'000'000) return Error::invalid(std::string(flag) + " must be between 0 and 1e11");
    out = *v;
    return {};
  };
  SOVRA_CHECK(apply(a.rpm, r.requests_per_minute, "--rpm"));
  SOVRA_CHECK(apply(a.rpd, r.requests_per_day, "--rpd"));
  SOVRA_CHECK(apply(a.tpm, r.tokens_per_minute, "--tpm"));
  SOVRA_CHECK(apply(a.tpd, r.tokens_per_day, "--tpd"));
  SOVRA_CHECK(apply(a.concurrent, r.concurrent_requests, "--concurrent"));
  r.updated_at = platform::now_seconds();
  SOVRA_CHECK(s.put_rate_limit(r));
  std::cout << platform::admin::to_string(platform::admin::rate_limit_json(r, platform::admin::rate_limit_object(r)))
            << "\n";
  return {};
}

Status list(store::Store& s, const LimitArgs& a) {
  SOVRA_CHECK(check_scope(s, a));
  SOVRA_TRY(auto page, s.list_rate_limits(a.org, a.project, platform::admin::internal_key_id(a.key),
                                          {.after = a.after, .limit = a.limit}));
  std::cout << platform::admin::list_json<store::RateLimitRecord>(
                   page,
                   [](const store::RateLimitRecord& r) {
                     return platform::admin::rate_limit_json(r, platform::admin::rate_limit_object(r));
                   },
                   [](const store::RateLimitRecord& r) { return r.id; })
            << "\n";
  return {};
}

Status remove(store::Store& s, const LimitArgs& a) {
  SOVRA_CHECK(check_scope(s, a));
  const auto id = platform::admin::rate_limit_id(a.model);
  SOVRA_CHECK(s.delete_rate_limit(a.org, a.project, platform::admin::internal_key_id(a.key), id));
  std::cout << platform::admin::deleted_json("rate_limit.deleted", id) << "\n";
  return {};
}

using Action = Status (*)(store::Store&, const LimitArgs&);

int run(const LimitArgs& a, Action action) {
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
  if (auto st = action(**s, a); !st) {
    std::cerr << "sovra: " << st.error().message << "\n";
    return st.error().code == ErrorCode::kNotFound ? 4 : 1;
  }
  return 0;
}

}  // namespace

void add_limit_commands(CLI::App& admin, int& exit_code) {
  auto* limits = admin.add_subcommand("limits", "Rate limits of an organization, project or project API key");
  limits->require_subcommand(1);
  auto args = std::make_shared<LimitArgs>();
  auto leaf = [&exit_code, args, limits](const char* name, const char* help, Action action) {
    auto* cmd = limits->add_subcommand(name, help);
    args->flags.add_to(*cmd);
    cmd->add_option("--org", args->org, "organization id")->required();
    cmd->add_option("--project", args->project, "project id (none: the organization's own limits)");
    cmd->add_option("--key", args->key, "project API key id (key_… or the id inside the key); needs --project");
    cmd->callback([&exit_code, args, action] { exit_code = run(*args, action); });
    return cmd;
  };
  auto* set_cmd = leaf("set", "Create or change a rule (options not given keep their value; 0: no limit)", set);
  set_cmd->add_option("--for-model", args->model, "model id, or * for all models together (default)");
  set_cmd->add_option("--rpm", args->rpm, "requests per minute");
  set_cmd->add_option("--rpd", args->rpd, "requests per day");
  set_cmd->add_option("--tpm", args->tpm, "tokens per minute (prompt + completion)");
  set_cmd->add_option("--tpd", args->tpd, "tokens per day");
  set_cmd->add_option("--concurrent", args->concurrent, "requests at once");
  auto* list_cmd = leaf("list", "List the rules of a scope", list);
  list_cmd->add_option("--after", args->after, "cursor (a rule id)");
  list_cmd->add_option("--limit", args->limit, "page size (1-100)");
  leaf("delete", "Delete a rule (the configured default applies again)", remove)
      ->add_option("--for-model", args->model, "model id, or * (default)");
}

}  // namespace sovra::app
