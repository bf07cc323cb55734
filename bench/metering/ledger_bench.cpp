// Usage-ledger write throughput and the latency a call waits for its record (submit → durable → done), with group
// commit (metering.max_batch records per transaction) against a commit per record, on SQLite (WAL, synchronous=FULL)
// and, when a URL is given, PostgreSQL. Clients behave like calls: each submits a record and waits for its `done`
// before the next one.
//
//   bench_metering [--clients 32] [--seconds 3] [--postgres postgresql://…]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "platform/metering/ledger_writer.hpp"
#include "store/migrations/migrations.hpp"
#include "store/open.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace metering = sovra::platform::metering;

struct Result {
  double records_per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
  double records_per_commit = 0;
};

Result run(const sovra::store::OpenOptions& options, std::size_t max_batch, int clients, double seconds,
           const std::string& tag) {
  auto db = sovra::store::open_database(options);
  if (!db) {
    std::fprintf(stderr, "cannot open: %s\n", db.error().message.c_str());
    std::exit(1);
  }
  if (auto v = sovra::store::migrate(**db); !v) {
    std::fprintf(stderr, "cannot migrate: %s\n", v.error().message.c_str());
    std::exit(1);
  }
  std::shared_ptr<sovra::store::SqlDatabase> shared(std::move(*db));
  auto writer = std::make_unique<metering::LedgerWriter>(shared, metering::LedgerWriterOptions{.max_batch = max_batch, .on_commit = {}});
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(clients));
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::mutex mu;
      std::condition_variable cv;
      for (int i = 0; !stop; ++i) {
        metering::UsageRecord r;
        r.id = "usage_" + tag + "_" + std::to_string(c) + "_" + std::to_string(i);
        r.request_id = r.id;
        r.org_id = "org_bench";
        r.project_id = "proj_bench";
        r.key_id = "key";
        r.model = "tiny";
        r.endpoint = "/v1/chat/completions";
        r.input_tokens = 512;
        r.output_tokens = 128;
        r.started_ms = 1'793'491'200'000 + i;
        r.currency = "EUR";
        r.cost = {512 * 125 + 128 * 500};
        bool done = false;
        const auto t0 = Clock::now();
        writer->submit(std::move(r), [&] {
          std::lock_guard lock(mu);
          done = true;
          cv.notify_one();
        });
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return done; });
        latencies[static_cast<std::size_t>(c)].push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));  // the measurement window, not a sync
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const auto stats = writer->stats();
  writer.reset();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Result res;
  res.records_per_s = static_cast<double>(all.size()) / elapsed;
  if (!all.empty()) {
    res.p50_us = all[all.size() / 2];
    res.p99_us = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  res.records_per_commit = stats.commits > 0 ? static_cast<double>(stats.records) / static_cast<double>(stats.commits) : 0;
  return res;
}

void compare(const char* backend, const sovra::store::OpenOptions& options, int clients, double seconds) {
  const Result base = run(options, 1, clients, seconds, std::string(backend) + "_one");
  const Result group = run(options, 256, clients, seconds, std::string(backend) + "_group");
  std::printf("%-8s %-22s %12.0f rec/s  p50 %9.1f us  p99 %9.1f us  %6.1f rec/commit\n", backend,
              "commit per record", base.records_per_s, base.p50_us, base.p99_us, base.records_per_commit);
  std::printf("%-8s %-22s %12.0f rec/s  p50 %9.1f us  p99 %9.1f us  %6.1f rec/commit\n", backend, "group commit",
              group.records_per_s, group.p50_us, group.p99_us, group.records_per_commit);
  std::printf("%-8s group/baseline: throughput x%.2f, p50 latency x%.2f\n", backend,
              group.records_per_s / std::max(1.0, base.records_per_s), group.p50_us / std::max(1e-9, base.p50_us));
}

}  // namespace

int main(int argc, char** argv) {
  int clients = 32;
  double seconds = 3;
  std::string postgres;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--clients") clients = std::atoi(argv[i + 1]);
    else if (a == "--seconds") seconds = std::atof(argv[i + 1]);
    else if (a == "--postgres") postgres = argv[i + 1];
  }
  std::printf("usage ledger: %d concurrent clients, %.1f s per run\n", clients, seconds);
  const auto dir = std::filesystem::temp_directory_path() / ("sovra-bench-ledger-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  compare("sqlite", {.url = "", .data_dir = dir.string(), .pool_size = 2, .sqlite_full_sync = true}, clients, seconds);
  std::filesystem::remove_all(dir);
  if (!postgres.empty()) compare("postgres", {.url = postgres, .data_dir = "", .pool_size = 2}, clients, seconds);
  return 0;
}
