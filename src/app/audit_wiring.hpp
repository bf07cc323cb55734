#pragma once
// The audit trail, data residency and content retention inside a server process, built from config + store:
//   - the AuditLog (own database connection, dedicated writer thread, signing key from audit.signing_key_file or
//     <data_dir>/audit-signing-key.pem, created 0600 on first start);
//   - the residency PolicyCache and ContentStore;
//   - a maintenance thread: retention purge (audit.retention_days; hourly), expired content purge, policy and
//     content-setting reloads (other processes' admin writes; every 10 s).
// and the pieces the server plugs in: the CallHook (FIRST in the CallChain), CallFlow's ConstraintsFn and
// pre-admission refusal recorder, the router guard, the auth-failure and admin-change observers, and the routes
// (GET /v1/organization/audit_logs, residency policies, content retention setting).
// Start it after the Store (migrations applied). Destroy it before the Store: it flushes and checkpoints.
// Platform (app/platform_wiring.hpp) owns one and already wires the auth filter, admin observer and routes; a
// server that builds the inference path plugs in the rest:
//
//   const auto& audit = platform.audit();
//   if (auto hook = audit.call_hook()) chain->add(hook);   // FIRST, before rate limits, budgets, metering
//   api::CallFlow flow({.router = audit.guard(router), .chain = chain,
//                       .constraints = audit.constraints(), .on_refusal = audit.refusal_recorder()});
//   SOVRA_CHECK(audit.check_deployments(deployment_infos));  // at start-up, once deployments are known
#include <functional>
#include <memory>

#include "api/call_flow.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "gateway/auth/auth_filter.hpp"
#include "gateway/call.hpp"
#include "gateway/residency/policy_store.hpp"
#include "http/router.hpp"
#include "platform/admin/admin_route.hpp"
#include "platform/audit/audit_log.hpp"
#include "platform/audit/content_store.hpp"

namespace sovra::app {

class AuditWiring {
 public:
  static Result<std::unique_ptr<AuditWiring>> start(const Config& config);
  ~AuditWiring();
  AuditWiring(const AuditWiring&) = delete;
  AuditWiring& operator=(const AuditWiring&) = delete;

  bool enabled() const;  // audit.enabled (residency and content retention work either way)

  // Add it FIRST to the gateway::CallChain (null when audit is disabled).
  std::shared_ptr<gateway::CallHook> call_hook() const;
  // Content retention (opt-in per project): the hook that keeps an opted-in call's prompt and completion, and
  // the CallFlow predicate that marks such calls.
  std::shared_ptr<gateway::CallHook> content_hook() const;
  std::function<bool(const platform::Principal*)> retain_content() const;
  api::ConstraintsFn constraints() const;
  api::PreAdmissionRefusalFn refusal_recorder() const;
  std::function<void(const gateway::auth::AuthFailureEvent&)> auth_failure_recorder() const;
  platform::admin::AdminObserver admin_observer() const;
  // Wraps the model router so that no deployment outside the caller's residency constraints is ever returned.
  std::shared_ptr<const routing::ModelRouter> guard(std::shared_ptr<const routing::ModelRouter> router) const;
  // Start-up check: refuses deployments without region/jurisdiction when residency policies exist.
  Status check_deployments(const std::vector<routing::DeploymentInfo>& deployments) const;
  // audit_logs, residency and content-retention routes (admin keys; `deps` from the tenancy platform).
  void install_routes(http::Router& router, const platform::admin::AdminDeps& deps) const;

  const std::shared_ptr<platform::audit::AuditLog>& log() const;
  const std::shared_ptr<gateway::residency::PolicyCache>& residency() const;
  const std::shared_ptr<platform::audit::ContentStore>& content() const;

 private:
  struct Impl;
  explicit AuditWiring(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Where the signing key lives for this config.
std::string audit_signing_key_path(const Config& config);

}  // namespace sovra::app
