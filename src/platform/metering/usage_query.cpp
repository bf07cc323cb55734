#include "platform/metering/usage_query.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <tuple>

#include "common/json_escape.hpp"
#include "platform/pricing/money.hpp"

namespace sovra::platform::metering {
namespace {

constexpr std::int64_t kMaxTime = 253402300799;  // 9999-12-31T23:59:59Z

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return Error::invalid("Malformed percent-encoding in the query string.");
      const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return Error::invalid("Malformed percent-encoding in the query string.");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

Result<std::int64_t> int_param(const std::string& name, const std::string& v) {
  std::int64_t n = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || r.ec != std::errc() || r.ptr != v.data() + v.size()) {
    return Error::invalid("'" + name + "' must be an integer.", name);
  }
  return n;
}

std::string public_key(const std::string& key_id) { return key_id.empty() ? "" : "key_" + key_id; }
std::string internal_key(const std::string& id) { return id.starts_with("key_") ? id.substr(4) : id; }

const char* result_object(UsageKind k) {
  switch (k) {
    case UsageKind::kCompletions:
      return "organization.usage.completions.result";
    case UsageKind::kEmbeddings:
      return "organization.usage.embeddings.result";
    case UsageKind::kAudioTranscriptions:
      return "organization.usage.audio_transcriptions.result";
    case UsageKind::kOcr:
      return "organization.usage.ocr.result";
    case UsageKind::kCosts:
      return "organization.costs.result";
  }
  return "";
}

void append_string_or_null(std::string& out, const std::optional<std::string>& s) {
  if (!s) {
    out += "null";
    return;
  }
  out += '"';
  append_json_escaped(out, *s);
  out += '"';
}

// Grouping column for a group_by name.
const char* column_of(const std::string& g) {
  if (g == "project_id") return "project_id";
  if (g == "user_id") return "user_id";
  if (g == "api_key_id") return "key_id";
  if (g == "model" || g == "line_item") return "model";
  return nullptr;
}

struct Row {
  std::int64_t bucket = 0;
  std::map<std::string, std::string> groups;  // group_by name → value
  std::int64_t requests = 0, input = 0, cached = 0, output = 0, audio_ms = 0, pages = 0, cost = 0;
};

}  // namespace

std::vector<std::string> endpoints_of(UsageKind kind) {
  switch (kind) {
    case UsageKind::kCompletions:
      return {"/v1/chat/completions", "/v1/completions", "/v1/messages", "/v1/responses"};
    case UsageKind::kEmbeddings:
      return {"/v1/embeddings"};
    case UsageKind::kAudioTranscriptions:
      return {"/v1/audio/transcriptions", "/v1/audio/translations"};
    case UsageKind::kOcr:
      return {"/v1/ocr"};
    case UsageKind::kCosts:
      return {};
  }
  return {};
}

Result<UsageQuery> parse_usage_query(UsageKind kind, std::string_view qs, std::int64_t now) {
  UsageQuery q;
  q.kind = kind;
  bool have_start = false, have_end = false, have_limit = false;
  std::string width = "1d", page;
  while (!qs.empty()) {
    const auto amp = qs.find('&');
    const auto part = qs.substr(0, amp);
    qs.remove_prefix(amp == std::string_view::npos ? qs.size() : amp + 1);
    if (part.empty()) continue;
    const auto eq = part.find('=');
    SOVRA_TRY(auto name, percent_decode(part.substr(0, eq)));
    SOVRA_TRY(auto value, percent_decode(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1)));
    if (name.ends_with("[]")) name.resize(name.size() - 2);
    if (name == "start_time") {
      SOVRA_TRY(q.start_time, int_param(name, value));
      have_start = true;
    } else if (name == "end_time") {
      SOVRA_TRY(q.end_time, int_param(name, value));
      have_end = true;
    } else if (name == "bucket_width") {
      width = value;
    } else if (name == "limit") {
      SOVRA_TRY(q.limit, int_param(name, value));
      have_limit = true;
    } else if (name == "page") {
      page = value;
    } else if (name == "group_by") {
      q.group_by.push_back(value);
    } else if (name == "project_ids") {
      q.project_ids.push_back(value);
    } else if (name == "user_ids") {
      q.user_ids.push_back(value);
    } else if (name == "api_key_ids") {
      q.api_key_ids.push_back(internal_key(value));
    } else if (name == "models") {
      q.models.push_back(value);
    } else if (name == "batch" || name == "service_tier") {
      // Sovra has no batch jobs or service tiers: every call is non-batch, default tier.
    } else {
      return Error::invalid("Unknown query parameter '" + name + "'.", name);
    }
  }
  if (!have_start) return Error::invalid("'start_time' (Unix seconds) is required.", "start_time");
  if (q.start_time < 0 || q.start_time > kMaxTime) return Error::invalid("'start_time' is out of range.", "start_time");
  // Without end_time: up to now, the current second included (a call that just ended is in the answer).
  if (!have_end) q.end_time = std::max(now + 1, q.start_time);
  if (q.end_time < q.start_time || q.end_time > kMaxTime) {
    return Error::invalid("'end_time' must be at or after start_time.", "end_time");
  }
  std::int64_t max_limit = 31;
  if (width == "1d") {
    q.bucket_seconds = 86400;
    if (!have_limit) q.limit = 7;
  } else if (width == "1h") {
    q.bucket_seconds = 3600;
    max_limit = 168;
    if (!have_limit) q.limit = 24;
  } else if (width == "1m") {
    q.bucket_seconds = 60;
    max_limit = 1440;
    if (!have_limit) q.limit = 60;
  } else {
    return Error::invalid("'bucket_width' must be 1m, 1h or 1d.", "bucket_width");
  }
  if (kind == UsageKind::kCosts) {
    if (width != "1d") return Error::invalid("Costs are bucketed by day only ('bucket_width' 1d).", "bucket_width");
    max_limit = 180;
  }
  if (q.limit < 1 || q.limit > max_limit) {
    return Error::invalid("'limit' must be 1 to " + std::to_string(max_limit) + " for bucket_width " + width + ".",
                          "limit");
  }
  for (const auto& g : q.group_by) {
    const bool ok = kind == UsageKind::kCosts ? (g == "project_id" || g == "line_item" || g == "api_key_id")
                                               : (g == "project_id" || g == "user_id" || g == "api_key_id" ||
                                                  g == "model" || g == "batch" || g == "service_tier");
    if (!ok) return Error::invalid("Cannot group by '" + g + "' here.", "group_by");
  }
  std::erase_if(q.group_by, [](const std::string& g) { return g == "batch" || g == "service_tier"; });
  std::sort(q.group_by.begin(), q.group_by.end());
  q.group_by.erase(std::unique(q.group_by.begin(), q.group_by.end()), q.group_by.end());
  if (!page.empty()) {
    // Our cursor: "b" + the Unix start of the next bucket to return.
    auto next = page.size() > 1 && page[0] == 'b' ? int_param("page", page.substr(1))
                                                   : Result<std::int64_t>(Error::invalid("bad cursor", "page"));
    if (!next || *next < q.start_time || *next > q.end_time) {
      return Error::invalid("'page' is not a cursor of this query.", "page");
    }
    q.start_time = *next;
  }
  return q;
}

Result<std::string> run_usage_query(store::SqlDatabase& db, const std::string& org_id, const UsageQuery& q,
                                    const std::string& currency) {
  const std::int64_t w = q.bucket_seconds;
  const std::int64_t first_bucket = q.start_time / w;
  const std::int64_t end_bucket = (q.end_time + w - 1) / w;  // exclusive
  const std::int64_t page_end_bucket = std::min(end_bucket, first_bucket + q.limit);
  const bool has_more = page_end_bucket < end_bucket;
  const std::int64_t from_ms = q.start_time * 1000;
  const std::int64_t to_ms = std::min(q.end_time, page_end_bucket * w) * 1000;

  // GROUP BY ordinals: PostgreSQL would not see `started_ms / $1` and `started_ms / $5` as one expression.
  std::string select = "SELECT started_ms / ? AS b";
  std::string group = " GROUP BY 1";
  for (std::size_t i = 0; i < q.group_by.size(); ++i) {
    select += std::string(", ") + column_of(q.group_by[i]);
    group += ", " + std::to_string(i + 2);
  }
  select +=
      // num_model_requests: calls that reached a model; refusals (an error status and nothing used) are in the
      // ledger for completeness but are not model requests.
      ", SUM(CASE WHEN status < 400 OR input_tokens + output_tokens + audio_ms + pages > 0 THEN 1 ELSE 0 END),"
      " SUM(input_tokens), SUM(cached_tokens), SUM(output_tokens), SUM(audio_ms), SUM(pages),"
      " SUM(cost_nanos) FROM usage_records WHERE org_id = ? AND started_ms >= ? AND started_ms < ?";
  std::vector<store::SqlValue> params{w * 1000, org_id, from_ms, to_ms};
  const auto in_list = [&](const char* column, const std::vector<std::string>& values) {
    if (values.empty()) return;
    select += std::string(" AND ") + column + " IN (";
    for (std::size_t i = 0; i < values.size(); ++i) {
      select += i ? ",?" : "?";
      params.emplace_back(values[i]);
    }
    select += ')';
  };
  in_list("endpoint", endpoints_of(q.kind));
  in_list("project_id", q.project_ids);
  in_list("user_id", q.user_ids);
  in_list("key_id", q.api_key_ids);
  in_list("model", q.models);
  const std::string sql = select + group;

  std::vector<Row> rows;
  auto st = db.transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(auto res, s.query(sql, params));
    for (const auto& r : res.rows) {
      Row row;
      std::size_t c = 0;
      const auto num = [&](std::size_t i) -> std::int64_t { return r[i] ? std::stoll(*r[i]) : 0; };
      row.bucket = num(c++);
      for (const auto& g : q.group_by) row.groups[g] = r[c++].value_or("");
      row.requests = num(c++);
      row.input = num(c++);
      row.cached = num(c++);
      row.output = num(c++);
      row.audio_ms = num(c++);
      row.pages = num(c++);
      row.cost = num(c++);
      rows.push_back(std::move(row));
    }
    return {};
  });
  if (!st) return st.error();
  const auto order = [](const Row& a, const Row& b) { return std::tie(a.bucket, a.groups) < std::tie(b.bucket, b.groups); };
  std::sort(rows.begin(), rows.end(), order);

  std::string lower_currency = currency;
  for (auto& ch : lower_currency) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const auto group_value = [&](const Row& r, const char* name) -> std::optional<std::string> {
    const auto it = r.groups.find(name);
    if (it == r.groups.end()) return std::nullopt;
    return std::string(name) == "api_key_id" ? public_key(it->second) : it->second;
  };

  std::string out = R"({"object":"page","data":[)";
  std::size_t next_row = 0;
  for (std::int64_t b = first_bucket; b < page_end_bucket; ++b) {
    if (b > first_bucket) out += ',';
    out += R"({"object":"bucket","start_time":)" + std::to_string(b * w) + R"(,"end_time":)" +
           std::to_string((b + 1) * w) + R"(,"results":[)";
    bool first = true;
    while (next_row < rows.size() && rows[next_row].bucket == b) {
      const Row& r = rows[next_row++];
      if (!first) out += ',';
      first = false;
      out += R"({"object":")";
      out += result_object(q.kind);
      out += '"';
      switch (q.kind) {
        case UsageKind::kCompletions:
          out += R"(,"input_tokens":)" + std::to_string(r.input) + R"(,"input_cached_tokens":)" +
                 std::to_string(r.cached) + R"(,"input_uncached_tokens":)" + std::to_string(r.input - r.cached) +
                 R"(,"output_tokens":)" + std::to_string(r.output) +
                 R"(,"input_audio_tokens":0,"output_audio_tokens":0)";
          break;
        case UsageKind::kEmbeddings:
          out += R"(,"input_tokens":)" + std::to_string(r.input);
          break;
        case UsageKind::kAudioTranscriptions:
          // Whole seconds as OpenAI reports them; Sovra bills milliseconds and adds them exactly.
          out += R"(,"seconds":)" + std::to_string(r.audio_ms / 1000) + R"(,"milliseconds":)" +
                 std::to_string(r.audio_ms);
          break;
        case UsageKind::kOcr:
          out += R"(,"pages":)" + std::to_string(r.pages);
          break;
        case UsageKind::kCosts:
          // The exact decimal as a JSON number: never through a double.
          out += R"(,"amount":{"value":)" + pricing::format_money({r.cost}) + R"(,"currency":")" + lower_currency +
                 R"("},"line_item":)";
          append_string_or_null(out, group_value(r, "line_item"));
          out += R"(,"project_id":)";
          append_string_or_null(out, group_value(r, "project_id"));
          out += R"(,"api_key_id":)";
          append_string_or_null(out, group_value(r, "api_key_id"));
          out += "}";
          continue;
      }
      out += R"(,"num_model_requests":)" + std::to_string(r.requests) + R"(,"project_id":)";
      append_string_or_null(out, group_value(r, "project_id"));
      out += R"(,"user_id":)";
      append_string_or_null(out, group_value(r, "user_id"));
      out += R"(,"api_key_id":)";
      append_string_or_null(out, group_value(r, "api_key_id"));
      out += R"(,"model":)";
      append_string_or_null(out, group_value(r, "model"));
      out += R"(,"batch":null,"service_tier":null})";
    }
    out += "]}";
  }
  out += R"(],"has_more":)";
  out += has_more ? "true" : "false";
  out += R"(,"next_page":)";
  out += has_more ? "\"b" + std::to_string(page_end_bucket * w) + "\"" : "null";
  out += "}";
  return out;
}

}  // namespace sovra::platform::metering
