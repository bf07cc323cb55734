#pragma once
// The audit trail's gateway::CallHook. Put it FIRST in the CallChain: it admits every call (it never refuses) and
// so holds a ticket when a later hook (rate limit, budget) refuses — the chain finishes earlier tickets with the
// refusal, which is how refusals get audited. The ticket appends one metadata record when the call ends and, by
// default, lets the response's final byte go only once that record is durable.
#include <functional>
#include <memory>

#include "gateway/call.hpp"
#include "platform/audit/audit_log.hpp"

namespace sovra::platform::audit {

struct AuditHookOptions {
  std::shared_ptr<AuditLog> log;
  // Days the call's project keeps prompts and completions (0: none); recorded in the audit record. May be empty.
  std::function<std::int64_t(const std::string& project_id)> content_retention_days;
  bool wait_for_durable = true;  // false: the final byte does not wait for the commit (records may be lost on crash)
};

std::shared_ptr<gateway::CallHook> make_audit_hook(AuditHookOptions options);

}  // namespace sovra::platform::audit
