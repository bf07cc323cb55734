#include "platform/metering/usage_scope.hpp"

namespace sovra::platform::metering {

Result<UsageQuery> scope_to_caller(UsageQuery q, const Principal& who) {
  if (who.is_admin()) return q;
  if (who.project_id.empty()) {
    return Error{ErrorCode::kPermissionDenied, "This key belongs to no project and cannot read usage.", {}, 403};
  }
  for (const auto& p : q.project_ids) {
    if (p != who.project_id) {
      return Error{ErrorCode::kPermissionDenied,
                   "A project API key reads its own project's usage only; '" + p +
                       "' is another project (use an admin key to read the organisation's).",
                   "project_ids", 403};
    }
  }
  q.project_ids = {who.project_id};
  return q;
}

}  // namespace sovra::platform::metering
