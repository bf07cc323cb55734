#include "platform/audit/audit_routes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>

#include "common/json.hpp"
#include "platform/admin/admin_json.hpp"

namespace sovra::platform::audit {
namespace {

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && nib(s[i + 1]) >= 0 && nib(s[i + 2]) >= 0) {
      out += static_cast<char>(nib(s[i + 1]) * 16 + nib(s[i + 2]));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

Result<std::int64_t> integer(const std::string& name, const std::string& v) {
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size()) {
    return Error::invalid("'" + name + "' must be an integer, got '" + v + "'.", name);
  }
  return n;
}

}  // namespace

Result<sql::Query> parse_audit_query(std::string_view query, const std::string& org_id) {
  sql::Query q;
  q.org_id = org_id;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    const auto eq = part.find('=');
    const auto key = percent_decode(part.substr(0, eq));
    const auto value = eq == std::string_view::npos ? std::string() : percent_decode(part.substr(eq + 1));
    if (key == "effective_at[gt]" || key == "effective_at[gte]" || key == "effective_at[lt]" ||
        key == "effective_at[lte]") {
      SOVRA_TRY(auto s, integer(key, value));
      // Unix seconds up to year 9999: the millisecond arithmetic below cannot overflow.
      if (s < 0 || s > 253402300799) {
        return Error::invalid("'" + key + "' must be Unix seconds between 0 and 253402300799", key);
      }
      // Seconds → the records' milliseconds; bounds are [from, to).
      if (key == "effective_at[gt]") q.from_ms = std::max(q.from_ms, (s + 1) * 1000);
      if (key == "effective_at[gte]") q.from_ms = std::max(q.from_ms, s * 1000);
      if (key == "effective_at[lt]") q.to_ms = q.to_ms == 0 ? s * 1000 : std::min(q.to_ms, s * 1000);
      if (key == "effective_at[lte]") q.to_ms = q.to_ms == 0 ? (s + 1) * 1000 : std::min(q.to_ms, (s + 1) * 1000);
    } else if (key == "event_types[]" || key == "event_types") {
      q.types.push_back(value);
    } else if (key == "actor_ids[]" || key == "actor_ids") {
      q.actor_ids.push_back(admin::internal_key_id(value));
    } else if (key == "project_ids[]" || key == "project_ids") {
      q.project_ids.push_back(value);
    } else if (key == "resource_ids[]" || key == "resource_ids") {
      q.resource_ids.push_back(value);
    } else if (key == "limit") {
      SOVRA_TRY(q.limit, integer("limit", value));
      if (q.limit < 1 || q.limit > 100) return Error::invalid("'limit' must be between 1 and 100.", "limit");
    } else if (key == "after" || key == "before") {
      continue;
    } else if (key == "actor_emails[]" || key == "tenant_only") {
      // Sovra has no user sessions: every actor is an API key, so an e-mail filter matches nothing.
      if (key == "actor_emails[]") q.actor_ids.push_back("\x01no-email-actors");
    } else {
      return Error::invalid("Unknown query parameter '" + key + "'.", key);
    }
  }
  if (q.types.size() + q.actor_ids.size() + q.project_ids.size() + q.resource_ids.size() > 200) {
    return Error::invalid("Too many filter values (200 at most).");
  }
  // Cursors (after/before) name record ids; the route resolves them within the organisation.
  return q;
}

std::string audit_list_json(const std::vector<AuditRecord>& records, bool has_more) {
  boost::json::object o;
  o["object"] = "list";
  boost::json::array data;
  for (const auto& r : records) {
    boost::json::object e;
    e["id"] = r.id;
    e["type"] = r.type;
    e["effective_at"] = r.at_ms / 1000;
    if (!r.project_id.empty()) {
      e["project"] = boost::json::object{{"id", r.project_id}};
    }
    boost::json::object actor;
    if (r.actor_type == "api_key") {
      actor["type"] = "api_key";
      actor["api_key"] = boost::json::object{{"id", admin::public_key_id(r.actor_id)}};
    } else {
      actor["type"] = r.actor_type;  // "anonymous" (an unauthenticated client) or "system"
      if (!r.actor_id.empty()) actor["address"] = r.actor_id;
    }
    e["actor"] = std::move(actor);
    auto details = parse_json(r.details);
    boost::json::value payload = details ? std::move(*details) : boost::json::value(boost::json::object());
    if (payload.is_object() && !r.request_id.empty()) payload.as_object()["id"] = r.request_id;
    e[r.type] = std::move(payload);
    e["request_id"] = r.request_id;
    e["seq"] = r.seq;
    e["at_ms"] = r.at_ms;
    e["prev_hash"] = r.prev_hash;
    e["hash"] = r.hash;
    data.emplace_back(std::move(e));
  }
  o["first_id"] = records.empty() ? boost::json::value(nullptr) : boost::json::value(records.front().id);
  o["last_id"] = records.empty() ? boost::json::value(nullptr) : boost::json::value(records.back().id);
  o["data"] = std::move(data);
  o["has_more"] = has_more;
  return boost::json::serialize(o);
}

void add_audit_log_routes(http::Router& router, const admin::AdminDeps& deps, std::shared_ptr<store::SqlDatabase> db) {
  auto list = [db](store::Store&, const admin::AdminCall& c) -> Result<admin::AdminReply> {
    SOVRA_TRY(auto q, parse_audit_query(c.query, c.who.org_id));
    const auto after = c.query_value("after");
    const auto before = c.query_value("before");
    const auto limit = q.limit;
    std::vector<AuditRecord> rows;
    if (auto tx = db->transaction([&](store::SqlSession& s) -> Status {
      for (auto [cursor, target] : {std::pair{&after, &q.after_seq}, std::pair{&before, &q.before_seq}}) {
        if (cursor->empty()) continue;
        SOVRA_TRY(auto seq, sql::seq_of_id(s, c.who.org_id, *cursor));
        if (!seq) return Error::invalid("No audit log entry found with id '" + *cursor + "'.", "after");
        *target = *seq;
      }
      q.limit = limit + 1;
      if (q.before_seq > 0 && q.after_seq == 0) {
        // The page just newer than the cursor: read upwards from it, then present newest first.
        q.ascending = true;
        q.after_seq = q.before_seq;
        q.before_seq = 0;
      }
      SOVRA_TRY(rows, sql::query_records(s, q));
      return {};
    }); !tx) {
      return tx.error();
    }
    const bool more = static_cast<std::int64_t>(rows.size()) > limit;
    if (more) rows.resize(static_cast<std::size_t>(limit));
    if (q.ascending) std::reverse(rows.begin(), rows.end());
    return admin::AdminReply{200, audit_list_json(rows, more)};
  };
  admin::add_admin_route(router, deps, "GET", "/v1/organization/audit_logs", list,
                         "List audit logs (OpenAI shape; Sovra adds hash-chain fields)");
}

}  // namespace sovra::platform::audit
