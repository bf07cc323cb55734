#include "app/audit_wiring.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "common/logging.hpp"
#include "gateway/residency/residency_policy.hpp"
#include "gateway/residency/residency_router.hpp"
#include "gateway/residency/residency_routes.hpp"
#include "platform/admin/admin_json.hpp"
#include "platform/audit/audit_events.hpp"
#include "platform/audit/audit_hook.hpp"
#include "platform/audit/content_hook.hpp"
#include "platform/audit/audit_routes.hpp"
#include "platform/ids.hpp"
#include "store/open.hpp"

namespace sovra::app {
namespace {

constexpr auto kReloadInterval = std::chrono::seconds(10);
constexpr auto kPurgeInterval = std::chrono::hours(1);

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string audit_signing_key_path(const Config& config) {
  return config.audit.signing_key_file.empty() ? config.data_dir + "/audit-signing-key.pem"
                                               : config.audit.signing_key_file;
}

struct AuditWiring::Impl {
  Config config;
  std::shared_ptr<store::SqlDatabase> db;
  std::shared_ptr<platform::audit::AuditLog> log;
  std::shared_ptr<gateway::residency::PolicyCache> residency;
  std::shared_ptr<platform::audit::ContentStore> content;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread maintenance;

  void maintain() {
    static const Logger mlog("audit");
    auto next_purge = std::chrono::steady_clock::now();
    std::unique_lock lock(mu);
    while (!stopping) {
      lock.unlock();
      if (auto st = residency->reload(); !st) mlog.warn("reloading residency policies failed", {{"error", st.error().message}});
      if (auto st = content->reload(); !st) mlog.warn("reloading content retention settings failed", {{"error", st.error().message}});
      if (std::chrono::steady_clock::now() >= next_purge) {
        next_purge = std::chrono::steady_clock::now() + kPurgeInterval;
        if (log && config.audit.retention_days > 0) {
          const auto cutoff = now_ms() - config.audit.retention_days * 86'400'000;
          if (auto r = log->purge_older_than(cutoff); !r) mlog.warn("audit retention purge failed", {{"error", r.error().message}});
        }
        if (auto r = content->purge_expired(platform::now_seconds()); !r) {
          mlog.warn("purging expired content failed", {{"error", r.error().message}});
        }
      }
      lock.lock();
      cv.wait_for(lock, kReloadInterval, [this] { return stopping; });
    }
  }
};

AuditWiring::AuditWiring(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AuditWiring::~AuditWiring() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->maintenance.joinable()) impl_->maintenance.join();
  impl_->log.reset();  // writes what is queued and a final checkpoint
}

Result<std::unique_ptr<AuditWiring>> AuditWiring::start(const Config& config) {
  static const Logger log("audit");
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  SOVRA_TRY(auto db, store::open_database({.url = config.store.url,
                                           .data_dir = config.data_dir,
                                           .pool_size = std::max<int>(1, static_cast<int>(config.store.pool_size) / 2)}));
  impl->db = std::shared_ptr<store::SqlDatabase>(std::move(db));
  if (config.audit.enabled) {
    const auto key_path = audit_signing_key_path(config);
    auto key = platform::audit::SigningKey::load_or_create(key_path);
    if (!key) return Error::invalid("audit signing key: " + key.error().message, "audit.signing_key_file");
    auto shared_key = std::make_shared<const platform::audit::SigningKey>(std::move(*key));
    log.info("audit signing key", {{"file", key_path}, {"key_id", shared_key->key_id()}});
    SOVRA_TRY(auto audit_log,
              platform::audit::AuditLog::start(
                  {.db = impl->db,
                   .key = shared_key,
                   .checkpoint_every = config.audit.checkpoint_every,
                   .checkpoint_interval = std::chrono::seconds(config.audit.checkpoint_interval_s),
                   .checkpoint_export_file = config.audit.checkpoint_export_file}));
    impl->log = std::move(audit_log);
  }
  SOVRA_TRY(impl->residency, gateway::residency::PolicyCache::load(impl->db));
  SOVRA_TRY(impl->content, platform::audit::ContentStore::open(impl->db, config.audit.content_key));
  auto* raw = impl.get();
  impl->maintenance = std::thread([raw] { raw->maintain(); });
  return std::unique_ptr<AuditWiring>(new AuditWiring(std::move(impl)));
}

bool AuditWiring::enabled() const { return impl_->log != nullptr; }
const std::shared_ptr<platform::audit::AuditLog>& AuditWiring::log() const { return impl_->log; }
const std::shared_ptr<gateway::residency::PolicyCache>& AuditWiring::residency() const { return impl_->residency; }
const std::shared_ptr<platform::audit::ContentStore>& AuditWiring::content() const { return impl_->content; }

std::shared_ptr<gateway::CallHook> AuditWiring::call_hook() const {
  if (!impl_->log) return nullptr;
  auto content = impl_->content;
  return platform::audit::make_audit_hook(
      {.log = impl_->log,
       .content_retention_days = [content](const std::string& project) { return content->retention_days(project); },
       .wait_for_durable = impl_->config.audit.wait_for_durable});
}

std::shared_ptr<gateway::CallHook> AuditWiring::content_hook() const {
  return platform::audit::make_content_hook(impl_->content);
}

std::function<bool(const platform::Principal*)> AuditWiring::retain_content() const {
  auto content = impl_->content;
  return [content](const platform::Principal* p) {
    return p != nullptr && !p->project_id.empty() && content->retention_days(p->project_id) > 0;
  };
}

api::ConstraintsFn AuditWiring::constraints() const { return impl_->residency->constraints_fn(); }

api::PreAdmissionRefusalFn AuditWiring::refusal_recorder() const {
  auto log = impl_->log;
  if (!log) return {};
  return [log](const http::Request& req, const api::CallSpec& spec, const routing::RoutingConstraints& c,
               const Error& e) {
    platform::audit::PreAdmissionRefusal f;
    f.request_id = req.request_id;
    f.endpoint = spec.endpoint;
    f.model = spec.model;
    f.principal = gateway::auth::principal_of(req);
    f.allowed_regions = c.allowed_regions;
    f.allowed_jurisdictions = c.allowed_jurisdictions;
    f.http_status = e.status();
    f.error_code = e.api_code.empty() ? error_code_name(e.code) : e.api_code;
    f.message = e.message;
    log->append(platform::audit::refusal_record(f));
  };
}

std::function<void(const gateway::auth::AuthFailureEvent&)> AuditWiring::auth_failure_recorder() const {
  auto log = impl_->log;
  if (!log) return {};
  return [log](const gateway::auth::AuthFailureEvent& e) {
    platform::audit::AuthFailure f;
    f.http_status = e.status;
    f.reason = std::string(e.reason);
    f.key_id = std::string(e.key_id);
    if (e.principal != nullptr) {
      f.org_id = e.principal->org_id;
      f.project_id = e.principal->project_id;
    }
    f.method = e.request.method;
    f.path = e.route.pattern;
    f.remote_address = e.request.remote_address;
    f.request_id = e.request.request_id;
    log->append(platform::audit::auth_failure_record(f));
  };
}

platform::admin::AdminObserver AuditWiring::admin_observer() const {
  auto log = impl_->log;
  if (!log) return {};
  return [log](const platform::admin::AdminEvent& e) {
    platform::audit::AdminAction a;
    a.who = e.call.who;
    a.method = std::string(e.method);
    a.pattern = std::string(e.pattern);
    a.params = e.call.params;
    a.request_body = std::string(e.request_body);
    a.before = std::string(e.before);
    a.after = std::string(e.after);
    a.status = e.status;
    a.request_id = std::string(e.request_id);
    // On the store executor (never an I/O thread): the reply waits until the record is durable, so an
    // acknowledged admin change always has its audit record, even after kill -9.
    auto done = std::make_shared<std::promise<void>>();
    auto durable = done->get_future();
    log->append(platform::audit::admin_record(a), [done] { done->set_value(); });
    durable.wait();
  };
}

std::shared_ptr<const routing::ModelRouter> AuditWiring::guard(std::shared_ptr<const routing::ModelRouter> router) const {
  return gateway::residency::enforce_residency(std::move(router));
}

Status AuditWiring::check_deployments(const std::vector<routing::DeploymentInfo>& deployments) const {
  return gateway::residency::check_deployments(deployments, impl_->residency->any());
}

void AuditWiring::install_routes(http::Router& router, const platform::admin::AdminDeps& deps) const {
  platform::audit::add_audit_log_routes(router, deps, impl_->db);
  gateway::residency::add_residency_routes(router, deps, impl_->residency);
  auto content = impl_->content;
  const std::string path = "/v1/organization/projects/{project_id}/content_retention";
  auto reply = [](const std::string& project, std::int64_t days) {
    boost::json::object o;
    o["object"] = "organization.project.content_retention";
    o["project_id"] = project;
    o["retention_days"] = days;
    o["encrypted"] = true;
    return boost::json::serialize(o);
  };
  platform::admin::add_admin_route(
      router, deps, "GET", path,
      [content, reply](store::Store& s, const platform::admin::AdminCall& c) -> Result<platform::admin::AdminReply> {
        SOVRA_TRY(auto p, s.get_project(c.who.org_id, c.param("project_id")));
        return platform::admin::AdminReply{200, reply(p.id, content->retention_days(p.id))};
      },
      "A project's content retention (days prompts and completions are kept, encrypted; Sovra extension)");
  platform::admin::add_admin_route(
      router, deps, "POST", path,
      [content, reply](store::Store& s, const platform::admin::AdminCall& c) -> Result<platform::admin::AdminReply> {
        SOVRA_TRY(auto p, s.get_project(c.who.org_id, c.param("project_id")));
        SOVRA_TRY(auto days, platform::admin::int_field(c.body, "retention_days", -1));
        if (days < 0) return Error::invalid("'retention_days' is required (0 turns retention off).", "retention_days");
        const auto before = content->retention_days(p.id);
        SOVRA_CHECK(content->set_retention(c.who.org_id, p.id, days));
        return platform::admin::AdminReply{200, reply(p.id, days), reply(p.id, before)};
      },
      "Opt a project in to (or out of) content retention (Sovra extension)");
}

}  // namespace sovra::app
