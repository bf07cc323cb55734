// Durability: a child process (this test binary, re-executed) writes usage records through the group-commit writer
// from several threads and reports each record's id on a pipe once its `done` ran; the parent kills it with SIGKILL
// at a random moment. Every reported record must be in the ledger afterwards, exactly once.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "platform/metering/ledger_db.hpp"
#include "platform/metering/ledger_sql.hpp"
#include "platform/metering/ledger_writer.hpp"

namespace sovra::platform::metering {
namespace {

constexpr const char* kChildEnv = "SOVRA_TEST_LEDGER_CHILD";  // "<fd> <store url> <data dir> <prefix>"

// Runs only in the re-executed child: writes until killed.
TEST(LedgerDurabilityChild, WritesUntilKilled) {
  const char* spec = std::getenv(kChildEnv);  // test harness, not configuration
  if (spec == nullptr) GTEST_SKIP() << "runs only as the child of LedgerDurability tests";
  std::istringstream in(spec);
  int fd = -1;
  std::string url, dir, prefix;
  in >> fd >> url >> dir >> prefix;
  if (url == "-") url.clear();
  auto db = store::open_database({.url = url, .data_dir = dir, .pool_size = 2, .sqlite_full_sync = true});
  if (!db) _exit(3);
  auto writer = std::make_shared<LedgerWriter>(std::shared_ptr<store::SqlDatabase>(std::move(*db)),
                                               LedgerWriterOptions{.max_batch = 256, .on_commit = {}});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0;; ++i) {
        UsageRecord r;
        r.id = prefix + std::to_string(t) + "_" + std::to_string(i);
        r.org_id = "org_dur";
        r.model = "tiny";
        r.started_ms = i;
        r.cost = {1};
        std::atomic<bool> acked{false};
        const std::string line = r.id + "\n";
        writer->submit(std::move(r), [&acked, fd, line] {
          (void)!::write(fd, line.data(), line.size());  // < PIPE_BUF: atomic
          acked = true;
        });
        while (!acked) std::this_thread::yield();  // a client waiting for its response
      }
    });
  }
  for (auto& th : threads) th.join();
}

template <typename B>
class LedgerDurability : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = b_.skip_reason(); !why.empty()) GTEST_SKIP() << why;
    db_ = test::open_ledger_db(b_);
    ASSERT_NE(db_, nullptr);
  }
  B b_;
  std::shared_ptr<store::SqlDatabase> db_;
};
TYPED_TEST_SUITE(LedgerDurability, test::LedgerDbs, test::LedgerDbNames);

TYPED_TEST(LedgerDurability, EveryAcknowledgedRecordSurvivesSigkill) {
  std::mt19937 rng(std::random_device{}());
  std::set<std::string> acked_all;
  for (int round = 0; round < 5; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const auto opts = this->b_.options();
    const std::string prefix = "usage_r" + std::to_string(round) + "_";
    const std::string spec = std::to_string(fds[1]) + " " + (opts.url.empty() ? "-" : opts.url) + " " +
                             (opts.data_dir.empty() ? "-" : opts.data_dir) + " " + prefix;
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      ::setenv(kChildEnv, spec.c_str(), 1);
      ::execl("/proc/self/exe", "sovra_tests", "--gtest_filter=LedgerDurabilityChild.WritesUntilKilled", nullptr);
      _exit(127);
    }
    ::close(fds[1]);
    // Kill after a random number of acknowledgements (the child is mid-commit most of the time).
    const std::size_t kill_after = std::uniform_int_distribution<std::size_t>(20, 400)(rng);
    std::set<std::string> acked;
    std::string buffer;
    char chunk[4096];
    bool killed = false;
    while (true) {
      const ssize_t n = ::read(fds[0], chunk, sizeof chunk);
      if (n <= 0) break;  // EOF: the child is gone
      buffer.append(chunk, static_cast<std::size_t>(n));
      std::size_t nl;
      while ((nl = buffer.find('\n')) != std::string::npos) {
        acked.insert(buffer.substr(0, nl));
        buffer.erase(0, nl + 1);
      }
      if (!killed && acked.size() >= kill_after) {
        ::kill(pid, SIGKILL);
        killed = true;  // keep reading: what the child wrote before dying was acknowledged too
      }
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(killed) << "the child exited before being killed (status " << status << "), acks " << acked.size();
    ASSERT_TRUE(WIFSIGNALED(status));
    auto rows = records_of(*this->db_, "org_dur", 0, INT64_MAX);
    ASSERT_TRUE(rows) << rows.error().message;
    std::set<std::string> stored;
    for (const auto& r : *rows) stored.insert(r.id);
    EXPECT_EQ(stored.size(), rows->size()) << "duplicate rows";
    std::size_t lost = 0;
    for (const auto& id : acked) lost += stored.count(id) == 0 ? 1 : 0;
    EXPECT_EQ(lost, 0u) << "round " << round << ": " << lost << " of " << acked.size()
                        << " acknowledged records are missing";
    acked_all.insert(acked.begin(), acked.end());
  }
  EXPECT_GT(acked_all.size(), 100u);
}

}  // namespace
}  // namespace sovra::platform::metering
