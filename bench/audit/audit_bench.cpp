// What the audit trail costs: appends/s through the AuditLog writer (batched transactions) and the latency one
// inference call adds when its response waits for its durable audit record — each with the hash chain and
// signed checkpoints, against a baseline run of the same writer on the same database without hashing or signing
// (AuditLogOptions::chain = false). Also the pure CPU cost of hashing one record and signing one checkpoint.
// Run: build/release/bench/bench_audit [records] [calls]  (configure the release preset with -DSOVRA_BENCH=ON);
//      bench/audit/run does that, on SQLite and, when SOVRA_TEST_POSTGRES_URL is set, on PostgreSQL too.
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "gateway/call.hpp"
#include "platform/audit/audit_events.hpp"
#include "platform/audit/audit_hook.hpp"
#include "platform/audit/audit_log.hpp"
#include "store/migrations/migrations.hpp"
#include "store/open.hpp"

namespace {

using namespace sovra;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// CPU seconds of this whole process (all threads, user + system): robust where wall time swings with other load.
double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

platform::audit::AuditRecord sample(int i) {
  platform::audit::AuditRecord r;
  r.type = "inference.completed";
  r.org_id = "org_01a21bb0c38566cd9127ea33";
  r.project_id = "proj_01a21bb0c38566cd9127ea33";
  r.actor_type = "api_key";
  r.actor_id = "01a21bb0c38566cd9127ea33";
  r.request_id = "req_" + std::to_string(i);
  r.details = R"({"endpoint":"/v1/chat/completions","protocol":"openai","model":"tiny","deployment":"local",)"
              R"("region":"se-sto-1","jurisdiction":"SE","local":true,"stream":true,"prompt_tokens":412,)"
              R"("completion_tokens":128,"status":200,"cancelled":false,"duration_ms":812,"content_retained":false})";
  return r;
}

struct Db {
  std::string dir;
  std::shared_ptr<store::SqlDatabase> sql;
};

Db open_db(const std::string& pg_url, const std::string& tag) {
  Db d;
  std::string tmpl = (std::filesystem::temp_directory_path() / ("sovra-bench-audit-" + tag + "-XXXXXX")).string();
  d.dir = ::mkdtemp(tmpl.data());
  auto db = store::open_database({.url = pg_url, .data_dir = d.dir, .pool_size = 2});
  if (!db) {
    std::fprintf(stderr, "bench_audit: %s\n", db.error().message.c_str());
    std::exit(1);
  }
  if (!pg_url.empty()) {
    // A clean chain per run on PostgreSQL.
    (void)(*db)->transaction([](store::SqlSession& s) -> Status {
      for (const char* t : {"audit_log", "audit_checkpoints", "audit_head"}) {
        (void)s.query(std::string("DROP TABLE IF EXISTS ") + t);
      }
      (void)s.query("DELETE FROM schema_migrations WHERE version >= 2");
      (void)s.query("DROP TABLE IF EXISTS residency_policies");
      (void)s.query("DROP TABLE IF EXISTS content_retention_settings");
      (void)s.query("DROP TABLE IF EXISTS retained_content");
      return {};
    });
  }
  if (auto v = store::migrate(**db); !v) {
    std::fprintf(stderr, "bench_audit: %s\n", v.error().message.c_str());
    std::exit(1);
  }
  d.sql = std::move(*db);
  return d;
}

std::shared_ptr<platform::audit::AuditLog> start(const Db& d, bool chain) {
  auto key = platform::audit::SigningKey::generate();
  auto log = platform::audit::AuditLog::start(
      {.db = d.sql, .key = std::make_shared<platform::audit::SigningKey>(std::move(*key)), .chain = chain});
  if (!log) std::exit(1);
  return std::move(*log);
}

// Appends `n` records from 4 producer threads as fast as they go; appends/s until all are durable, and the
// process CPU time per record (µs).
std::pair<double, double> appends_per_s(const Db& d, bool chain, int n) {
  auto log = start(d, chain);
  const double c0 = cpu_seconds();
  const auto t0 = Clock::now();
  std::vector<std::thread> producers;
  for (int t = 0; t < 4; ++t) {
    producers.emplace_back([&, t] {
      for (int i = t; i < n; i += 4) log->append(sample(i));
    });
  }
  for (auto& p : producers) p.join();
  log->flush();
  const double wall = seconds_since(t0);
  return {n / wall, (cpu_seconds() - c0) * 1e6 / n};
}

// Calls through the audit CallHook, each waiting for its durable record like a response's final byte does, from
// `clients` concurrent clients. Returns the median per-call latency in microseconds and the calls/s.
std::pair<double, double> per_call(const Db& d, bool chain, int calls, int clients) {
  auto log = start(d, chain);
  gateway::CallChain hooks;
  hooks.add(platform::audit::make_audit_hook({.log = log}));
  gateway::CallInfo info;
  info.endpoint = "/v1/chat/completions";
  info.model = "tiny";
  info.deployment = {.name = "local", .model = "tiny", .region = "se-sto-1", .jurisdiction = "SE"};
  gateway::CallResult result;
  result.usage.prompt_tokens = 412;
  result.usage.completion_tokens = 128;
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(clients));
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int i = c; i < calls; i += clients) {
        const auto s = Clock::now();
        std::promise<gateway::CallTickets> admitted;
        hooks.admit(info, [&](gateway::AdmitOutcome o) { admitted.set_value(std::move(o.tickets)); });
        auto tickets = admitted.get_future().get();
        std::promise<void> done;
        tickets.finish(result, [&] { done.set_value(); });
        done.get_future().wait();
        lat[static_cast<std::size_t>(c)].push_back(std::chrono::duration<double, std::micro>(Clock::now() - s).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  const double rate = calls / seconds_since(t0);
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(all.size() / 2), all.end());
  return {all[all.size() / 2], rate};
}

}  // namespace

int main(int argc, char** argv) {
  const int records = argc > 1 ? std::atoi(argv[1]) : 50000;
  const int calls = argc > 2 ? std::atoi(argv[2]) : 2000;
  const char* pg = std::getenv("BENCH_AUDIT_POSTGRES_URL");  // benchmark harness, not configuration
  const std::string pg_url = pg != nullptr ? pg : "";
  std::printf("== audit trail on %s\n", pg_url.empty() ? "SQLite (WAL, synchronous=NORMAL)" : "PostgreSQL");

  // Pure CPU: hashing one record, signing one checkpoint.
  {
    auto r = sample(1);
    r.seq = 1;
    r.prev_hash = std::string(platform::audit::kGenesisHash);
    const int n = 200000;
    auto t0 = Clock::now();
    std::size_t sink = 0;
    for (int i = 0; i < n; ++i) {
      r.seq = i;
      sink += platform::audit::compute_hash(r).size();
    }
    const double hash_ns = seconds_since(t0) * 1e9 / n;
    auto key = platform::audit::SigningKey::generate();
    t0 = Clock::now();
    for (int i = 0; i < 2000; ++i) sink += key->sign("sovra-audit-checkpoint-v1\n" + std::to_string(i)).size();
    const double sign_us = seconds_since(t0) * 1e6 / 2000;
    std::printf("hash one record (%zu bytes canonical): %.0f ns; sign one checkpoint: %.1f us  (%zu)\n",
                platform::audit::canonical_bytes(r).size(), hash_ns, sign_us, sink % 2);
  }

  for (int round = 0; round < 2; ++round) {  // second round: warm caches; both are printed
    auto base_db = open_db(pg_url, "base");
    auto chain_db = open_db(pg_url, "chain");
    const auto [base, base_cpu] = appends_per_s(base_db, false, records);
    const auto [chained, chain_cpu] = appends_per_s(chain_db, true, records);
    std::printf("round %d appends/s (4 producers, %d records): baseline %.0f, hash chain + checkpoints %.0f, "
                "ratio %.3f; CPU per record: baseline %.1f us, chain %.1f us, ratio %.3f\n",
                round + 1, records, base, chained, chained / base, base_cpu, chain_cpu, chain_cpu / base_cpu);
    for (int clients : {1, 16}) {
      auto [bl, br] = per_call(base_db, false, calls, clients);
      auto [cl, cr] = per_call(chain_db, true, calls, clients);
      std::printf("round %d per call, %2d clients waiting for durability: baseline median %.0f us (%.0f calls/s), "
                  "chain median %.0f us (%.0f calls/s), latency ratio %.3f, added %.1f us\n",
                  round + 1, clients, bl, br, cl, cr, cl / bl, cl - bl);
    }
    std::filesystem::remove_all(base_db.dir);
    std::filesystem::remove_all(chain_db.dir);
  }
  return 0;
}
