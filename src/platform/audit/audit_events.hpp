#pragma once
// What each kind of event puts into an audit record: metadata only — never prompt or completion content, never a
// secret (keys appear by key id; admin replies lose their `value` field, the one-time plaintext of a new key).
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/call.hpp"
#include "platform/audit/audit_record.hpp"
#include "platform/principal.hpp"

namespace sovra::platform::audit {

// An inference call that ended (or was refused by a hook): inference.completed (< 400), inference.refused (4xx),
// inference.failed (5xx). `content_retention_days` > 0 says the project keeps this call's content that long.
AuditRecord call_record(const gateway::CallInfo& info, const gateway::CallResult& result,
                        std::int64_t content_retention_days);

// A call refused before admission (routing: residency, unknown model; prompt counting). residency.refused for
// a 403 from routing, inference.refused otherwise.
struct PreAdmissionRefusal {
  std::string request_id;
  std::string endpoint;
  std::string model;
  const Principal* principal = nullptr;
  std::vector<std::string> allowed_regions;        // the constraints that applied
  std::vector<std::string> allowed_jurisdictions;
  int http_status = 0;
  std::string error_code;
  std::string message;
};
AuditRecord refusal_record(const PreAdmissionRefusal& refusal);

// An API key that did not authenticate (401) or was not allowed (403).
struct AuthFailure {
  int http_status = 401;
  std::string reason;  // "missing", "invalid", "forbidden"
  std::string key_id;  // from the presented key's text when it had the key format (not a secret); may be empty
  std::string org_id;  // when the key was valid but not allowed
  std::string project_id;
  std::string method;
  std::string path;
  std::string remote_address;
  std::string request_id;
};
AuditRecord auth_failure_record(const AuthFailure& failure);

// An administration API action that succeeded.
struct AdminAction {
  Principal who;
  std::string method;
  std::string pattern;  // route pattern, e.g. "/v1/organization/projects/{project_id}"
  std::vector<std::pair<std::string, std::string>> params;
  std::string request_body;  // JSON text or empty
  std::string before;        // JSON of the object before the change, when the handler knew it
  std::string after;         // the reply body
  int status = 200;
  std::string request_id;
};
std::string admin_event_type(std::string_view method, std::string_view pattern);  // project.created, api_key.updated…
AuditRecord admin_record(const AdminAction& action);

// Removes every member named "value" (plaintext keys) from a JSON text, at any depth; non-JSON text is dropped.
std::string redact_json(std::string_view json);

}  // namespace sovra::platform::audit
