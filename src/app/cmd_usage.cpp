// `sovra usage`: an organisation's usage or costs from the ledger, in the shapes of the usage and costs APIs, or
// its raw records as CSV.
//   sovra usage [--org ORG] [--kind completions|embeddings|audio_transcriptions|ocr|costs] [--from 2026-11-01]
//               [--to 2026-12-01] [--bucket 1d] [--group-by project_id --group-by model] [--limit N]
//   sovra usage records [--org ORG] [--from …] [--to …]      one CSV line per call
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/command.hpp"
#include "app/metering_cli.hpp"
#include "platform/billing/calendar.hpp"
#include "platform/ids.hpp"
#include "platform/metering/ledger_sql.hpp"
#include "platform/metering/usage_query.hpp"
#include "platform/pricing/price_store.hpp"

namespace sovra::app {
namespace {

namespace metering = platform::metering;
namespace billing = platform::billing;

struct UsageArgs {
  ConfigFlags flags;
  std::string org;
  std::string kind = "completions";
  std::string from;
  std::string to;
  std::string bucket = "1d";
  std::vector<std::string> group_by;
  std::int64_t limit = 0;
};

Result<std::pair<std::int64_t, std::int64_t>> range(const UsageArgs& a) {
  const auto now = platform::now_seconds();
  std::int64_t from = billing::month_start(billing::month_of(now));
  std::int64_t to = now + 1;
  if (!a.from.empty()) {
    SOVRA_TRY(from, billing::parse_utc_time(a.from));
  }
  if (!a.to.empty()) {
    SOVRA_TRY(to, billing::parse_utc_time(a.to));
  }
  if (to < from) return Error::invalid("--to lies before --from");
  return std::make_pair(from, to);
}

Status show(MeteringCliContext& c, const UsageArgs& a) {
  SOVRA_TRY(auto org, org_or_only(*c.store, a.org));
  metering::UsageKind kind;
  if (a.kind == "completions") kind = metering::UsageKind::kCompletions;
  else if (a.kind == "embeddings") kind = metering::UsageKind::kEmbeddings;
  else if (a.kind == "audio_transcriptions") kind = metering::UsageKind::kAudioTranscriptions;
  else if (a.kind == "ocr") kind = metering::UsageKind::kOcr;
  else if (a.kind == "costs") kind = metering::UsageKind::kCosts;
  else return Error::invalid("--kind must be completions, embeddings, audio_transcriptions, ocr or costs");
  SOVRA_TRY(auto r, range(a));
  const std::int64_t width = a.bucket == "1m" ? 60 : a.bucket == "1h" ? 3600 : 86400;
  const std::int64_t max_limit = a.bucket == "1m" ? 1440 : a.bucket == "1h" ? 168 : kind == metering::UsageKind::kCosts ? 180 : 31;
  const std::int64_t buckets = a.limit > 0 ? a.limit : std::min(max_limit, (r.second - r.first + width - 1) / width + 1);
  std::string q = "start_time=" + std::to_string(r.first) + "&end_time=" + std::to_string(r.second) +
                  "&bucket_width=" + a.bucket + "&limit=" + std::to_string(buckets);
  for (const auto& g : a.group_by) q += "&group_by=" + g;
  SOVRA_TRY(auto query, metering::parse_usage_query(kind, q, platform::now_seconds()));
  platform::pricing::PriceStore prices(*c.db);
  SOVRA_TRY(auto currency, prices.currency_of(org, c.config.metering.default_currency));
  SOVRA_TRY(auto body, metering::run_usage_query(*c.db, org, query, currency));
  std::cout << body << "\n";
  return {};
}

Status records(MeteringCliContext& c, const UsageArgs& a) {
  SOVRA_TRY(auto org, org_or_only(*c.store, a.org));
  SOVRA_TRY(auto r, range(a));
  SOVRA_TRY(auto rows, metering::records_of(*c.db, org, r.first * 1000, r.second * 1000));
  std::cout << "id,request_id,started,project_id,key_id,user_id,model,endpoint,input_tokens,cached_tokens,"
               "output_tokens,audio_ms,pages,latency_ms,status,cancelled,region,price_id,currency,cost\n";
  for (const auto& u : rows) {
    const auto text = [](const std::string& s) {  // ids and names: quote when needed, never a formula
      if (s.find_first_of(",\"\n") == std::string::npos && (s.empty() || std::string("=+-@").find(s[0]) == std::string::npos)) return s;
      std::string out = "\"'";
      for (char ch : s) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
      return out + "\"";
    };
    std::cout << u.id << ',' << text(u.request_id) << ',' << billing::format_utc_date(u.started_ms / 1000) << ','
              << u.project_id << ',' << u.key_id << ',' << text(u.user_id) << ',' << text(u.model) << ','
              << u.endpoint << ',' << u.input_tokens << ',' << u.cached_tokens << ',' << u.output_tokens << ','
              << u.audio_ms << ',' << u.pages << ',' << u.latency_ms << ',' << u.status << ','
              << (u.cancelled ? 1 : 0) << ',' << text(u.region) << ',' << u.price_id << ',' << u.currency << ','
              << platform::pricing::format_money(u.cost) << "\n";
  }
  return {};
}

const CommandRegistration kUsage([](CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("usage", "An organization's usage and costs from the ledger");
  auto args = std::make_shared<UsageArgs>();
  const auto common = [args](CLI::App* c) {
    args->flags.add_to(*c);
    c->add_option("--org", args->org, "organization id (default: the only one)");
    c->add_option("--from", args->from, "start (YYYY-MM-DD, RFC 3339 UTC or Unix seconds; default: this month)");
    c->add_option("--to", args->to, "end, exclusive (default: now)");
  };
  common(cmd);
  cmd->add_option("--kind", args->kind, "completions, embeddings, audio_transcriptions, ocr or costs");
  cmd->add_option("--bucket", args->bucket, "1m, 1h or 1d");
  cmd->add_option("--group-by", args->group_by, "project_id, user_id, api_key_id, model (costs: line_item)");
  cmd->add_option("--limit", args->limit, "buckets at most");
  cmd->callback([&exit_code, args, cmd] {
    if (!cmd->get_subcommands().empty()) return;
    exit_code = run_metering_cli(args->flags, [args](MeteringCliContext& c) { return show(c, *args); });
  });
  auto* rec = cmd->add_subcommand("records", "Every usage record of the period as CSV");
  common(rec);
  rec->callback([&exit_code, args] {
    exit_code = run_metering_cli(args->flags, [args](MeteringCliContext& c) { return records(c, *args); });
  });
});

}  // namespace
}  // namespace sovra::app
