#pragma once
// Who may read which usage: an admin key reads its whole organisation; a project key reads its own project only.
// For a project key the `project_ids` filter is forced to its project. Naming any other project there is refused
// with 403 (permission_denied) rather than answered with empty buckets: a dashboard configured with the wrong key
// fails loudly instead of showing zeros. Other filters and group_by work as for admins, inside the project.
#include "common/error.hpp"
#include "platform/metering/usage_query.hpp"
#include "platform/principal.hpp"

namespace sovra::platform::metering {

Result<UsageQuery> scope_to_caller(UsageQuery q, const Principal& who);

}  // namespace sovra::platform::metering
