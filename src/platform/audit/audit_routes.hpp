#pragma once
// GET /v1/organization/audit_logs in OpenAI's shape: the caller's organisation only (admin keys), newest first,
// filters effective_at[gt|gte|lt|lte], event_types[], actor_ids[], project_ids[], resource_ids[] (request ids),
// cursor pagination with after/before (record ids) and limit (1…100, default 20). Each entry has OpenAI's fields
// (id, type, effective_at, project, actor, and an object named after the type with the event's details) plus
// Sovra's chain fields (seq, hash, prev_hash, request_id, at_ms) so an auditor can check entries against an export.
#include <memory>
#include <string>

#include "common/error.hpp"
#include "platform/admin/admin_route.hpp"
#include "platform/audit/audit_sql.hpp"
#include "store/sql.hpp"

namespace sovra::platform::audit {

// Parses the query string (percent-encoded or not) into a Query for `org_id`; a 400 naming a bad parameter.
Result<sql::Query> parse_audit_query(std::string_view query, const std::string& org_id);
// The list body for one page.
std::string audit_list_json(const std::vector<AuditRecord>& records, bool has_more);

void add_audit_log_routes(http::Router& router, const admin::AdminDeps& deps, std::shared_ptr<store::SqlDatabase> db);

}  // namespace sovra::platform::audit
