#include "platform/audit/audit_hook.hpp"

#include "platform/audit/audit_events.hpp"

namespace sovra::platform::audit {
namespace {

class AuditTicket final : public gateway::CallTicket {
 public:
  AuditTicket(std::shared_ptr<const AuditHookOptions> options, gateway::CallInfo info)
      : options_(std::move(options)), info_(std::move(info)) {}

  void finish(const gateway::CallResult& result, std::function<void()> done) override {
    std::int64_t days = 0;
    if (options_->content_retention_days && info_.principal) {
      days = options_->content_retention_days(info_.principal->project_id);
    }
    auto record = call_record(info_, result, days);
    if (options_->wait_for_durable) {
      options_->log->append(std::move(record), std::move(done));
    } else {
      options_->log->append(std::move(record));
      done();
    }
  }

 private:
  std::shared_ptr<const AuditHookOptions> options_;
  gateway::CallInfo info_;
};

class AuditHook final : public gateway::CallHook {
 public:
  explicit AuditHook(AuditHookOptions options) : options_(std::make_shared<const AuditHookOptions>(std::move(options))) {}
  const char* name() const override { return "audit"; }
  void admit(const gateway::CallInfo& info, std::vector<http::Header>&, gateway::AdmitDone done) override {
    gateway::Admission a;
    a.ticket = std::make_unique<AuditTicket>(options_, info);
    done(std::move(a));
  }

 private:
  std::shared_ptr<const AuditHookOptions> options_;
};

}  // namespace

std::shared_ptr<gateway::CallHook> make_audit_hook(AuditHookOptions options) {
  return std::make_shared<AuditHook>(std::move(options));
}

}  // namespace sovra::platform::audit
