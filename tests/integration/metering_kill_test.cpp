// The ledger survives kill -9: the real `sovra serve` under concurrent load (streaming and non-streaming chat
// calls from several client threads) is killed at a random moment 20 times and restarted on the same data. After
// every restart the client-side log is compared with the ledger: every request whose client received a complete
// response (a full JSON body; for a stream the usage chunk and `data: [DONE]`) has exactly one usage record, and
// no request has two. Requests cut by the kill may or may not have one.
//
// Requests are matched by the `x-request-id` each client sends (and the server echoes): it is the record's
// request_id. The kill moments come from a generator seeded with gtest's random seed, printed, so a failing run
// repeats with --gtest_random_seed=N.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "integration/auth_support.hpp"
#include "store/open.hpp"
#include "store/store_backends.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

using namespace std::chrono_literals;

const std::string kModel = SOVRA_SHARED_DIR "/models/stories260K-chat.gguf";
constexpr int kKills = 20;
constexpr int kClients = 4;

// What the clients sent and which of those they saw complete.
struct ClientLog {
  std::mutex mu;
  std::set<std::string> sent;
  std::set<std::string> completed;
  std::atomic<int> cut{0};      // sent, no complete response (the kill)
  std::atomic<int> refused{0};  // an error status (none expected)
  std::size_t completed_count() {
    std::lock_guard lock(mu);
    return completed.size();
  }
};

std::string chat_body(bool stream) {
  return std::string(R"({"model":"stories","max_tokens":6,"messages":[{"role":"user","content":"Once upon a time"}])") +
         (stream ? R"(,"stream":true,"stream_options":{"include_usage":true}})" : "}");
}

enum class Outcome { kNotSent, kCut, kRefused, kComplete };

// One call, logged as sent once its request bytes went out.
Outcome call(int port, const std::string& key, const std::string& id, bool stream, ClientLog& log) {
  RawConnection c(port);
  if (!c.connected()) return Outcome::kNotSent;
  const std::string body = chat_body(stream);
  const std::string req = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key +
                          "\r\nx-request-id: " + id + "\r\nContent-Type: application/json\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  {
    std::lock_guard lock(log.mu);
    log.sent.insert(id);
  }
  if (!c.send(req)) return Outcome::kCut;
  auto reply = c.read_reply(10s);
  if (!reply) return Outcome::kCut;
  if (reply->status != 200) return Outcome::kRefused;
  if (reply->header("x-request-id") != id) return Outcome::kCut;
  bool complete = false;
  if (stream) {
    const auto usage = reply->body.find(R"("usage":{"prompt_tokens")");
    complete = usage != std::string::npos && reply->body.find("data: [DONE]\n\n", usage) != std::string::npos;
  } else {
    const auto v = json_of(*reply);
    complete = v.is_object() && v.as_object().contains("usage") && v.as_object().contains("choices");
  }
  if (!complete) return Outcome::kCut;
  std::lock_guard lock(log.mu);
  log.completed.insert(id);
  return Outcome::kComplete;
}

// request_id → number of ledger rows.
std::map<std::string, std::int64_t> ledger_counts(const store::OpenOptions& where) {
  std::map<std::string, std::int64_t> out;
  auto db = store::open_database(where);
  if (!db) {
    ADD_FAILURE() << "cannot open the ledger: " << db.error().message;
    return out;
  }
  auto st = (*db)->transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, s.query("SELECT request_id, COUNT(*) FROM usage_records GROUP BY request_id"));
    for (const auto& r : rows.rows) out[r.at(0).value_or("")] = std::stoll(r.at(1).value_or("0"));
    return {};
  });
  if (!st) ADD_FAILURE() << "cannot read the ledger: " << st.error().message;
  return out;
}

// Every completed request has exactly one row; no sent request has more than one.
void expect_ledger_matches(ClientLog& log, const store::OpenOptions& where, int round) {
  const auto rows = ledger_counts(where);
  std::lock_guard lock(log.mu);
  std::size_t missing = 0, doubled = 0, cut_recorded = 0;
  for (const auto& id : log.sent) {
    const auto it = rows.find(id);
    const std::int64_t n = it == rows.end() ? 0 : it->second;
    if (n > 1) {
      ++doubled;
      ADD_FAILURE() << "round " << round << ": request " << id << " has " << n << " ledger rows";
    }
    if (log.completed.count(id) != 0) {
      if (n == 0) {
        ++missing;
        ADD_FAILURE() << "round " << round << ": completed request " << id << " has no ledger row";
      }
    } else if (n == 1) {
      ++cut_recorded;
    }
  }
  for (const auto& [id, n] : rows) {
    EXPECT_EQ(log.sent.count(id), 1u) << "round " << round << ": a ledger row for a request no client sent: " << id;
  }
  std::printf("[ ledger   ] after restart %d: %zu sent, %zu completed, %d cut by the kills, %d refused; %zu rows: "
              "%zu of cut requests, %zu lost, %zu doubled\n",
              round, log.sent.size(), log.completed.size(), log.cut.load(), log.refused.load(), rows.size(),
              cut_recorded, missing, doubled);
}

void run_kill_test(const std::vector<std::string>& extra_args, const store::OpenOptions& ledger) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "sovra-kill-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const std::string dir = tmpl;
  std::vector<std::string> args{"--model", "stories=" + kModel};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  store::OpenOptions where = ledger;
  if (where.url.empty()) where.data_dir = dir + "/data";

  const unsigned seed = static_cast<unsigned>(::testing::UnitTest::GetInstance()->random_seed());
  std::printf("[ kill -9  ] seed %u (repeat with --gtest_random_seed=%u)\n", seed, seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_ms(0, 400);

  ClientLog log;
  std::string key;
  for (int round = 0; round <= kKills; ++round) {
    const auto server = ServerProcess::in_dir(dir, args);
    ASSERT_TRUE(server->started()) << "restart " << round << " failed:\n" << server->log();
    if (key.empty()) key = read_file(dir + "/data/initial-api-key");
    ASSERT_FALSE(key.empty());
    if (round > 0) expect_ledger_matches(log, where, round);
    if (::testing::Test::HasFailure() || round == kKills) break;

    std::atomic<bool> stop{false}, killed{false};
    std::vector<std::thread> clients;
    for (int t = 0; t < kClients; ++t) {
      clients.emplace_back([&, t] {
        for (int seq = 0; !stop; ++seq) {
          const std::string id = "r" + std::to_string(round) + "-c" + std::to_string(t) + "-" + std::to_string(seq);
          const Outcome o = call(server->port(), key, id, (seq + t) % 2 == 0, log);
          if (o == Outcome::kCut) ++log.cut;
          if (o == Outcome::kRefused) ++log.refused;
          if (o == Outcome::kNotSent && killed) break;  // nothing listens any more
        }
      });
    }
    // Load first (a few calls through), then the kill at a random moment while the clients keep calling.
    const std::size_t before = log.completed_count();
    const bool loaded = eventually([&] { return log.completed_count() >= before + kClients; }, 20s);
    const int wait = delay_ms(rng);
    if (loaded) std::this_thread::sleep_for(std::chrono::milliseconds(wait));  // the random kill moment, not a wait
    server->signal(SIGKILL);
    killed = true;
    std::printf("[ kill -9  ] round %d: killed %d ms after the load started, %zu calls completed so far\n", round + 1,
                wait, log.completed_count());
    const int status = server->wait_exit(10s);
    stop = true;
    for (auto& c : clients) c.join();
    ASSERT_TRUE(loaded) << "no calls completed under load:\n" << server->log();
    ASSERT_EQ(status, 128 + SIGKILL);
    EXPECT_EQ(log.refused.load(), 0) << "calls were refused under load:\n" << server->log();
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST(MeteringKill, SqliteLedgerKeepsEveryCompletedCallThroughKill9) {
  if (!std::filesystem::exists(kModel)) GTEST_SKIP() << kModel << " is absent";
  run_kill_test({}, {.url = "", .data_dir = "", .pool_size = 1, .sqlite_full_sync = true});
}

TEST(MeteringKill, PostgresLedgerKeepsEveryCompletedCallThroughKill9) {
  if (!std::filesystem::exists(kModel)) GTEST_SKIP() << kModel << " is absent";
  store::test::PostgresBackend pg;
  if (auto why = pg.skip_reason(); !why.empty()) GTEST_SKIP() << why << " (scripts/with-test-postgres sets it)";
  run_kill_test({"--set", "store.url=" + pg.url()}, {.url = pg.url(), .data_dir = "", .pool_size = 1});
}

}  // namespace
}  // namespace sovra::test
