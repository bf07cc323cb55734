#pragma once
// Runs Lua scripts on one Redis (EVALSHA, loading a script Redis lost) from threads of its own, one hiredis
// connection each, so callers never block on Redis. Shared by the rate-limit counters (redis_counters.hpp) and the
// budget counters (gateway/budget/redis_spend.hpp).
//
// eval() only queues the script; `done` is called exactly once, from one of the runner's threads. Everything
// queued on a connection when it becomes free goes out in one pipeline (up to 64 scripts per round trip). A failed
// connection is retried at most every `retry_ms`; in between, scripts fail at once with kUnavailable instead of
// each waiting for a timeout.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"

namespace sovra::gateway::rate_limit {

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;
  std::string password;
  int db = 0;
};

// redis://[[user]:password@]host[:port][/db]
Result<RedisAddress> parse_redis_url(const std::string& url);

struct RedisScript {
  explicit RedisScript(const char* source);
  const char* text;
  std::string sha;  // SHA-1 of text, hex
};

struct RedisRunnerOptions {
  RedisAddress address;
  int connections = 2;
  std::int64_t timeout_ms = 250;
  std::int64_t retry_ms = 500;
};

// A script's reply as integers: an integer reply is one element; an array gives one element per entry (entries
// that are not integers read as 0). A Redis error or an unreachable Redis is kUnavailable.
using ScriptResult = Result<std::vector<std::int64_t>>;
using ScriptDone = std::function<void(ScriptResult)>;

class RedisScriptRunner {
 public:
  explicit RedisScriptRunner(RedisRunnerOptions options);
  // Finishes queued work (failing it when Redis is gone), then joins. Must not run on one of its own threads.
  ~RedisScriptRunner();
  RedisScriptRunner(const RedisScriptRunner&) = delete;
  RedisScriptRunner& operator=(const RedisScriptRunner&) = delete;

  // argv: numkeys, keys…, args… (as EVALSHA takes them after the SHA). `script` must outlive the call.
  void eval(const RedisScript& script, std::vector<std::string> argv, ScriptDone done);

 private:
  struct Job {
    const RedisScript* script;
    std::vector<std::string> argv;
    ScriptDone done;
  };
  class Connection;
  void run();

  RedisRunnerOptions options_;
  std::mutex mu_;
  // When a script last got through on any connection (steady ms): a connection waiting out retry_ms after a failure
  // tries again at once when another one has reached Redis since.
  std::atomic<std::int64_t> last_ok_ms_{0};
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sovra::gateway::rate_limit
