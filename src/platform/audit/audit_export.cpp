#include "platform/audit/audit_export.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <fstream>
#include <memory>
#include <unordered_map>

#include "common/json.hpp"
#include "platform/audit/audit_sql.hpp"

namespace sovra::platform::audit {
namespace {

constexpr std::int64_t kPage = 2000;

Result<std::string> str(const boost::json::object& o, std::string_view k) {
  const auto* v = o.if_contains(k);
  if (v == nullptr || !v->is_string()) return Error::corrupt("audit record line: '" + std::string(k) + "' must be a string");
  return std::string(v->as_string());
}

Result<std::int64_t> num(const boost::json::object& o, std::string_view k) {
  const auto* v = o.if_contains(k);
  if (v == nullptr || !v->is_int64()) return Error::corrupt("audit record line: '" + std::string(k) + "' must be an integer");
  return v->as_int64();
}

}  // namespace

std::string record_json(const AuditRecord& r) {
  boost::json::object o;
  o["seq"] = r.seq;
  o["id"] = r.id;
  o["at_ms"] = r.at_ms;
  o["type"] = r.type;
  o["org_id"] = r.org_id;
  o["project_id"] = r.project_id;
  o["actor_type"] = r.actor_type;
  o["actor_id"] = r.actor_id;
  o["request_id"] = r.request_id;
  o["details"] = r.details;
  o["prev_hash"] = r.prev_hash;
  o["hash"] = r.hash;
  return boost::json::serialize(o);
}

Result<AuditRecord> parse_record_json(std::string_view line) {
  SOVRA_TRY(auto v, parse_json(line));
  if (!v.is_object()) return Error::corrupt("audit record line: not a JSON object");
  const auto& o = v.as_object();
  AuditRecord r;
  SOVRA_TRY(r.seq, num(o, "seq"));
  SOVRA_TRY(r.id, str(o, "id"));
  SOVRA_TRY(r.at_ms, num(o, "at_ms"));
  SOVRA_TRY(r.type, str(o, "type"));
  SOVRA_TRY(r.org_id, str(o, "org_id"));
  SOVRA_TRY(r.project_id, str(o, "project_id"));
  SOVRA_TRY(r.actor_type, str(o, "actor_type"));
  SOVRA_TRY(r.actor_id, str(o, "actor_id"));
  SOVRA_TRY(r.request_id, str(o, "request_id"));
  SOVRA_TRY(r.details, str(o, "details"));
  SOVRA_TRY(r.prev_hash, str(o, "prev_hash"));
  SOVRA_TRY(r.hash, str(o, "hash"));
  return r;
}

Result<std::int64_t> export_jsonl(store::SqlDatabase& db, std::int64_t from_ms, std::int64_t to_ms, std::ostream& out) {
  std::int64_t after = 0;
  std::int64_t n = 0;
  while (true) {
    std::vector<AuditRecord> page;
    if (auto tx = db.transaction([&](store::SqlSession& s) -> Status {
      SOVRA_TRY(page, sql::query_records(s, {.from_ms = from_ms, .to_ms = to_ms, .after_seq = after, .limit = kPage,
                                             .ascending = true}));
      return {};
    }); !tx) {
      return tx.error();
    }
    if (page.empty()) break;
    for (const auto& r : page) out << record_json(r) << '\n';
    n += static_cast<std::int64_t>(page.size());
    after = page.back().seq;
  }
  out.flush();
  if (!out) return Error::io("writing the audit export failed");
  return n;
}

Result<std::vector<Checkpoint>> read_checkpoint_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error::io("cannot read checkpoint file " + path);
  std::vector<Checkpoint> out;
  std::string line;
  int no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (line.empty()) continue;
    auto c = parse_checkpoint_json(line);
    if (!c) return Error::corrupt(path + " line " + std::to_string(no) + ": " + c.error().message);
    out.push_back(std::move(*c));
  }
  return out;
}

Result<VerifyReport> verify_store(store::SqlDatabase& db, const VerifyKey& key, std::vector<Checkpoint> extra) {
  ChainSource src;
  std::optional<sql::Head> head;
  if (auto tx = db.transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(src.checkpoints, sql::read_checkpoints(s));
    SOVRA_TRY(head, sql::read_head(s));
    return {};
  }); !tx) {
    return tx.error();
  }
  if (head) src.head_seq = head->seq;
  for (auto& c : extra) src.checkpoints.push_back(std::move(c));
  auto after = std::make_shared<std::int64_t>(0);
  src.next = [&db, after]() -> Result<std::vector<AuditRecord>> {
    std::vector<AuditRecord> page;
    if (auto tx = db.transaction([&](store::SqlSession& s) -> Status {
      SOVRA_TRY(page, sql::read_records(s, *after, kPage));
      return {};
    }); !tx) {
      return tx.error();
    }
    if (!page.empty()) *after = page.back().seq;
    return page;
  };
  src.find_hash = [&db](const std::string& hash) -> std::optional<std::int64_t> {
    std::optional<std::int64_t> seq;
    (void)db.transaction([&](store::SqlSession& s) -> Status {
      SOVRA_TRY(seq, sql::seq_of_hash(s, hash));
      return {};
    });
    return seq;
  };
  return verify_chain(src, key);
}

Result<VerifyReport> verify_file(const std::string& path, const VerifyKey& key, std::vector<Checkpoint> checkpoints) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::io("cannot read audit export " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<AuditRecord> records;
  std::size_t pos = 0;
  std::int64_t line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    const auto nl = text.find('\n', pos);
    const std::string_view line(text.data() + pos, (nl == std::string::npos ? text.size() : nl) - pos);
    auto r = parse_record_json(line);
    if (nl == std::string::npos || !r) {
      VerifyReport rep;
      rep.records = static_cast<std::int64_t>(records.size());
      rep.last_seq = records.empty() ? 0 : records.back().seq;
      const bool cut = nl == std::string::npos;
      rep.finding = VerifyFinding{
          cut ? Problem::kTruncated : Problem::kModified, rep.last_seq + 1, {},
          "line " + std::to_string(line_no) + " of " + path +
              (cut ? " is incomplete: the file was truncated after seq " + std::to_string(rep.last_seq)
                   : " is not a valid audit record: " + r.error().message)};
      return rep;
    }
    records.push_back(std::move(*r));
    pos = nl + 1;
  }
  ChainSource src;
  src.checkpoints = std::move(checkpoints);
  auto index = std::make_shared<std::unordered_map<std::string, std::int64_t>>();
  for (const auto& r : records) index->emplace(r.hash, r.seq);
  auto served = std::make_shared<bool>(false);
  auto shared = std::make_shared<std::vector<AuditRecord>>(std::move(records));
  src.next = [served, shared]() -> Result<std::vector<AuditRecord>> {
    if (*served) return std::vector<AuditRecord>();
    *served = true;
    return *shared;
  };
  src.find_hash = [index](const std::string& h) -> std::optional<std::int64_t> {
    auto it = index->find(h);
    if (it == index->end()) return std::nullopt;
    return it->second;
  };
  return verify_chain(src, key);
}

}  // namespace sovra::platform::audit
