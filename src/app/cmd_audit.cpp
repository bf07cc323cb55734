// `sovra audit …`: the audit trail for operators and auditors, directly on the store (also while servers run).
//   verify  — recompute the hash chain and check checkpoint signatures; exit 0 when intact, 3 when not (the first
//             broken record is named: modified, deleted, reordered, truncated, bad signature), 1 on errors
//   export  — JSON Lines of the records in [--from, --to) (Unix seconds or YYYY-MM-DD[THH:MM:SSZ], UTC)
//   purge   — apply retention now (audit.retention_days, or --older-than-days)
#include <CLI/CLI.hpp>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "app/audit_wiring.hpp"
#include "app/command.hpp"
#include "app/config_flags.hpp"
#include "common/logging.hpp"
#include "platform/audit/audit_export.hpp"
#include "store/open.hpp"

namespace sovra::app {
namespace {

struct AuditArgs {
  ConfigFlags flags;
  std::string public_key;
  std::string checkpoints;
  std::string file;
  std::string from;
  std::string to;
  std::string output;
  std::int64_t older_than_days = -1;
};

// Unix seconds, or a UTC date / date-time; 0 for empty.
Result<std::int64_t> parse_time(const std::string& s, const char* flag) {
  if (s.empty()) return std::int64_t{0};
  if (s.find_first_not_of("0123456789") == std::string::npos && s.size() < 19) return std::stoll(s);
  std::tm tm{};
  const char* end = ::strptime(s.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') {
    tm = {};
    end = ::strptime(s.c_str(), "%Y-%m-%d", &tm);
  }
  if (end == nullptr || *end != '\0') {
    return Error::invalid(std::string(flag) + " must be Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, got '" + s + "'");
  }
  return static_cast<std::int64_t>(::timegm(&tm));
}

struct Opened {
  Config config;
  std::unique_ptr<store::SqlDatabase> db;
};

Result<Opened> open(const AuditArgs& a) {
  auto config = a.flags.load();
  if (!config) return Error::invalid("invalid configuration: " + config.error().message);
  (void)configure_logging({.level = "warn", .format = config->log.format});
  const store::OpenOptions o{.url = config->store.url, .data_dir = config->data_dir, .pool_size = 1};
  SOVRA_TRY(auto s, store::open_store(o));  // applies migrations
  s.reset();
  SOVRA_TRY(auto db, store::open_database(o));
  return Opened{std::move(*config), std::move(db)};
}

int report_error(const Error& e) {
  std::cerr << "sovra: " << e.message << "\n";
  return 1;
}

int verify(const AuditArgs& a) {
  auto opened = open(a);
  if (!opened) return report_error(opened.error());
  std::string key_file = a.public_key;
  if (key_file.empty()) {
    const auto priv = audit_signing_key_path(opened->config);
    std::error_code ec;
    key_file = std::filesystem::exists(priv + ".pub", ec) ? priv + ".pub" : priv;
  }
  auto key = platform::audit::VerifyKey::from_file(key_file);
  if (!key) return report_error(key.error());
  std::vector<platform::audit::Checkpoint> extra;
  if (!a.checkpoints.empty()) {
    auto cps = platform::audit::read_checkpoint_file(a.checkpoints);
    if (!cps) return report_error(cps.error());
    extra = std::move(*cps);
  }
  auto report = a.file.empty() ? platform::audit::verify_store(*opened->db, *key, std::move(extra))
                               : platform::audit::verify_file(a.file, *key, std::move(extra));
  if (!report) return report_error(report.error());
  if (report->ok()) {
    std::cout << "audit chain intact: " << report->records << " records";
    if (report->records > 0) std::cout << " (seq " << report->first_seq << " to " << report->last_seq << ")";
    std::cout << ", " << report->checkpoints << " checkpoint signatures verified with key " << key->key_id() << "\n";
    return 0;
  }
  const auto& f = *report->finding;
  std::cout << "audit chain BROKEN: " << platform::audit::problem_name(f.problem) << " at seq " << f.seq;
  if (!f.record_id.empty()) std::cout << " (" << f.record_id << ")";
  std::cout << ": " << f.message << "\n";
  std::cout << "(" << report->records << " records verified before it)\n";
  return 3;
}

int export_records(const AuditArgs& a) {
  auto from = parse_time(a.from, "--from");
  if (!from) return report_error(from.error());
  auto to = parse_time(a.to, "--to");
  if (!to) return report_error(to.error());
  auto opened = open(a);
  if (!opened) return report_error(opened.error());
  std::ofstream file;
  if (!a.output.empty()) {
    file.open(a.output, std::ios::trunc);
    if (!file) return report_error(Error::io("cannot write " + a.output));
  }
  std::ostream& out = a.output.empty() ? std::cout : file;
  auto n = platform::audit::export_jsonl(*opened->db, *from * 1000, *to * 1000, out);
  if (!n) return report_error(n.error());
  std::cerr << "sovra: exported " << *n << " audit records\n";
  return 0;
}

int purge(const AuditArgs& a) {
  auto opened = open(a);
  if (!opened) return report_error(opened.error());
  const auto days = a.older_than_days >= 0 ? a.older_than_days : opened->config.audit.retention_days;
  if (days <= 0) {
    std::cout << "sovra: retention is off (audit.retention_days = 0); nothing purged\n";
    return 0;
  }
  auto key = platform::audit::SigningKey::load_or_create(audit_signing_key_path(opened->config));
  if (!key) return report_error(key.error());
  auto log = platform::audit::AuditLog::start(
      {.db = std::shared_ptr<store::SqlDatabase>(std::move(opened->db)),
       .key = std::make_shared<const platform::audit::SigningKey>(std::move(*key)),
       .checkpoint_export_file = opened->config.audit.checkpoint_export_file});
  if (!log) return report_error(log.error());
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto r = (*log)->purge_older_than(now_ms - days * 86'400'000);
  if (!r) return report_error(r.error());
  std::cout << "sovra: purged " << r->records << " audit records older than " << days << " days";
  if (r->records > 0) std::cout << "; the chain now starts after the signed checkpoint at seq " << r->anchor_seq;
  std::cout << "\n";
  return 0;
}

const CommandRegistration kAudit([](CLI::App& root, int& exit_code) {
  auto* audit = root.add_subcommand("audit", "Verify, export and purge the tamper-evident audit trail");
  audit->require_subcommand(1);
  auto args = std::make_shared<AuditArgs>();
  auto* v = audit->add_subcommand("verify", "Check the hash chain and checkpoint signatures; name the first broken record");
  args->flags.add_to(*v);
  v->add_option("--public-key", args->public_key, "PEM public key (default: the signing key's .pub next to it)");
  v->add_option("--checkpoints", args->checkpoints, "also use the checkpoints of this export file");
  v->add_option("--file", args->file, "verify this JSON Lines export instead of the store");
  v->callback([&exit_code, args] { exit_code = verify(*args); });
  auto* e = audit->add_subcommand("export", "Write audit records as JSON Lines");
  args->flags.add_to(*e);
  e->add_option("--from", args->from, "first time included (Unix seconds or YYYY-MM-DD[THH:MM:SSZ], UTC)");
  e->add_option("--to", args->to, "first time excluded");
  e->add_option("-o,--output", args->output, "file (default: stdout)");
  e->callback([&exit_code, args] { exit_code = export_records(*args); });
  auto* p = audit->add_subcommand("purge", "Apply audit retention now (keeps the chain verifiable)");
  args->flags.add_to(*p);
  p->add_option("--older-than-days", args->older_than_days, "default: audit.retention_days");
  p->callback([&exit_code, args] { exit_code = purge(*args); });
});

}  // namespace
}  // namespace sovra::app
