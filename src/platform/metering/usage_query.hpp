#pragma once
// The usage and costs APIs' queries, in OpenAI's shapes (GET /v1/organization/usage/{completions,embeddings},
// Sovra's …/usage/{audio_transcriptions,ocr}, GET /v1/organization/costs): parameters parsed from the query string,
// aggregation in SQL over the ledger, and the page of time buckets as JSON.
//
// Buckets are aligned to UTC boundaries of their width (1m, 1h, 1d) and cover [start_time, end_time); every
// bucket in the range is returned (empty ones with no results) as OpenAI does. `page` is the opaque cursor from
// next_page. Every query is scoped to one organisation: the caller's.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "store/sql.hpp"

namespace sovra::platform::metering {

enum class UsageKind { kCompletions, kEmbeddings, kAudioTranscriptions, kOcr, kCosts };

// The route patterns whose records count as `kind` (costs: every endpoint).
std::vector<std::string> endpoints_of(UsageKind kind);

struct UsageQuery {
  UsageKind kind = UsageKind::kCompletions;
  std::int64_t start_time = 0;  // Unix seconds, inclusive
  std::int64_t end_time = 0;    // exclusive; default: now + 1 (the current second included)
  std::int64_t bucket_seconds = 86400;
  std::int64_t limit = 7;  // buckets per page
  std::vector<std::string> group_by;  // project_id, user_id, api_key_id, model (costs: project_id, line_item, api_key_id)
  std::vector<std::string> project_ids, user_ids, api_key_ids, models;
};

// Parses the raw query string (percent-encoded; arrays as repeated `name=` or `name[]=`). `now` bounds a missing
// end_time. Errors name the parameter.
Result<UsageQuery> parse_usage_query(UsageKind kind, std::string_view query_string, std::int64_t now);

// Runs the query for `org_id` and returns the JSON page. `currency` (the organisation's) labels costs.
Result<std::string> run_usage_query(store::SqlDatabase& db, const std::string& org_id, const UsageQuery& q,
                                    const std::string& currency);

}  // namespace sovra::platform::metering
