#include "gateway/rate_limit/redis_script_runner.hpp"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <memory>
#include <utility>

#include "common/thread_name.hpp"

namespace sovra::gateway::rate_limit {
namespace {

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string sha1_hex(const char* text) {
  unsigned char d[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text), std::char_traits<char>::length(text), d);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : d) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

}  // namespace

Result<RedisAddress> parse_redis_url(const std::string& url) {
  RedisAddress a;
  std::string_view rest = url;
  if (!rest.starts_with("redis://")) {
    return Error::invalid("rate_limits.redis_url must start with redis:// (got '" + url.substr(0, 8) + "…')",
                          "rate_limits.redis_url");
  }
  rest.remove_prefix(8);
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    const auto cred = rest.substr(0, at);
    rest.remove_prefix(at + 1);
    if (auto colon = cred.find(':'); colon != std::string_view::npos) {
      a.user = std::string(cred.substr(0, colon));
      a.password = std::string(cred.substr(colon + 1));
    } else {
      a.password = std::string(cred);
    }
  }
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    const auto db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db.empty() && std::from_chars(db.data(), db.data() + db.size(), a.db).ec != std::errc()) {
      return Error::invalid("rate_limits.redis_url: the database must be a number", "rate_limits.redis_url");
    }
  }
  if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    const auto port = rest.substr(colon + 1);
    if (std::from_chars(port.data(), port.data() + port.size(), a.port).ec != std::errc() || a.port <= 0 ||
        a.port > 65535) {
      return Error::invalid("rate_limits.redis_url: invalid port", "rate_limits.redis_url");
    }
    rest = rest.substr(0, colon);
  }
  if (!rest.empty()) a.host = std::string(rest);
  return a;
}

// One hiredis connection, owned by one worker thread.
class RedisScriptRunner::Connection {
 public:
  Connection(const RedisRunnerOptions& o, const std::atomic<std::int64_t>& last_ok_ms) : o_(o), last_ok_ms_(last_ok_ms) {}
  ~Connection() { drop(); }

  // Runs EVALSHA (loading the script when Redis lost it); kUnavailable when Redis cannot be reached.
  Result<Reply> eval(const char* script, const std::string& sha, const std::vector<std::string>& argv) {
    SOVRA_CHECK(ensure());
    std::vector<const char*> args;
    std::vector<std::size_t> lens;
    args.reserve(argv.size() + 2);
    args.push_back("EVALSHA");
    lens.push_back(7);
    args.push_back(sha.c_str());
    lens.push_back(sha.size());
    for (const auto& a : argv) {
      args.push_back(a.data());
      lens.push_back(a.size());
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
      Reply r(static_cast<redisReply*>(
          redisCommandArgv(ctx_, static_cast<int>(args.size()), args.data(), lens.data())));
      if (!r) return failed();
      if (r->type == REDIS_REPLY_ERROR) {
        std::string msg(r->str, r->len);
        if (attempt == 0 && msg.starts_with("NOSCRIPT")) {
          Reply load(static_cast<redisReply*>(redisCommand(ctx_, "SCRIPT LOAD %s", script)));
          if (!load) return failed();
          continue;
        }
        return Error::unavailable("Redis script error: " + msg);
      }
      return r;
    }
    return Error::unavailable("Redis does not keep the script");
  }

  // Several EVALSHA in one pipeline (one write, one round trip): the replies in order. A script Redis lost
  // (NOSCRIPT) is run again alone through eval(), which loads it.
  struct Call {
    const char* script;
    const std::string* sha;
    const std::vector<std::string>* argv;
  };
  std::vector<Result<Reply>> eval_pipelined(const std::vector<Call>& calls) {
    std::vector<Result<Reply>> out;
    out.reserve(calls.size());
    if (calls.size() == 1) {
      out.push_back(eval(calls[0].script, *calls[0].sha, *calls[0].argv));
      return out;
    }
    if (auto st = ensure(); !st) {
      for (std::size_t i = 0; i < calls.size(); ++i) out.emplace_back(st.error());
      return out;
    }
    std::vector<const char*> args;
    std::vector<std::size_t> lens;
    for (const auto& c : calls) {
      args.assign({"EVALSHA", c.sha->c_str()});
      lens.assign({7, c.sha->size()});
      for (const auto& a : *c.argv) {
        args.push_back(a.data());
        lens.push_back(a.size());
      }
      if (redisAppendCommandArgv(ctx_, static_cast<int>(args.size()), args.data(), lens.data()) != REDIS_OK) {
        auto e = failed().error();
        for (std::size_t i = 0; i < calls.size(); ++i) out.emplace_back(e);
        return out;
      }
    }
    for (std::size_t i = 0; i < calls.size(); ++i) {
      void* raw = nullptr;
      if (ctx_ == nullptr || redisGetReply(ctx_, &raw) != REDIS_OK) {
        auto e = ctx_ != nullptr ? failed().error() : Error::unavailable("Redis is unreachable (" + last_error_ + ")");
        while (out.size() < calls.size()) out.emplace_back(e);
        return out;
      }
      Reply r(static_cast<redisReply*>(raw));
      if (r->type == REDIS_REPLY_ERROR && std::string_view(r->str, r->len).starts_with("NOSCRIPT")) {
        out.emplace_back(Error::unavailable("NOSCRIPT"));  // retried below, after the pipeline is drained
        continue;
      }
      if (r->type == REDIS_REPLY_ERROR) {
        out.emplace_back(Error::unavailable("Redis script error: " + std::string(r->str, r->len)));
        continue;
      }
      out.emplace_back(std::move(r));
    }
    for (std::size_t i = 0; i < calls.size(); ++i) {
      if (!out[i] && out[i].error().message == "NOSCRIPT") out[i] = eval(calls[i].script, *calls[i].sha, *calls[i].argv);
    }
    return out;
  }

  // Whether the last failure was on a connection opened before the call (Redis may have restarted since: one
  // more try on a new connection is due, without waiting for retry_ms). Reading it clears it.
  bool take_stale() { return std::exchange(stale_, false); }

 private:
  Status ensure() {
    reused_ = ctx_ != nullptr;
    if (ctx_ != nullptr) return {};
    const auto now = steady_ms();
    if (now < retry_at_ && last_ok_ms_.load(std::memory_order_relaxed) <= failed_at_) {
      return Error::unavailable("Redis is unreachable (" + last_error_ + ")");
    }
    timeval tv{static_cast<time_t>(o_.timeout_ms / 1000), static_cast<suseconds_t>(o_.timeout_ms % 1000 * 1000)};
    ctx_ = redisConnectWithTimeout(o_.address.host.c_str(), o_.address.port, tv);
    if (ctx_ == nullptr || ctx_->err != 0) return failed().error();
    redisSetTimeout(ctx_, tv);
    if (!o_.address.password.empty()) {
      Reply r(static_cast<redisReply*>(
          o_.address.user.empty()
              ? redisCommand(ctx_, "AUTH %s", o_.address.password.c_str())
              : redisCommand(ctx_, "AUTH %s %s", o_.address.user.c_str(), o_.address.password.c_str())));
      if (!r || r->type == REDIS_REPLY_ERROR) {
        last_error_ = "authentication failed";
        drop();
        retry_at_ = now + o_.retry_ms;
        return Error::unavailable("Redis: authentication failed");
      }
    }
    if (o_.address.db != 0) {
      Reply r(static_cast<redisReply*>(redisCommand(ctx_, "SELECT %d", o_.address.db)));
      if (!r || r->type == REDIS_REPLY_ERROR) return failed().error();
    }
    return {};
  }

  Result<Reply> failed() {
    last_error_ = ctx_ != nullptr && ctx_->err != 0 ? std::string(ctx_->errstr) : "connection failed";
    drop();
    stale_ = reused_;
    reused_ = false;
    failed_at_ = steady_ms();
    retry_at_ = stale_ ? 0 : failed_at_ + o_.retry_ms;
    return Error::unavailable("Redis is unreachable (" + last_error_ + ")");
  }

  void drop() {
    if (ctx_ != nullptr) redisFree(ctx_);
    ctx_ = nullptr;
  }

  const RedisRunnerOptions& o_;
  redisContext* ctx_ = nullptr;
  std::int64_t retry_at_ = 0;
  std::string last_error_;
  const std::atomic<std::int64_t>& last_ok_ms_;
  std::int64_t failed_at_ = 0;
  bool reused_ = false;  // the current call runs on a connection opened before it
  bool stale_ = false;
};

namespace {

ScriptResult integers_of(const redisReply& r) {
  std::vector<std::int64_t> out;
  if (r.type == REDIS_REPLY_INTEGER) {
    out.push_back(r.integer);
  } else if (r.type == REDIS_REPLY_ARRAY) {
    out.reserve(r.elements);
    for (std::size_t i = 0; i < r.elements; ++i) {
      out.push_back(r.element[i]->type == REDIS_REPLY_INTEGER ? r.element[i]->integer : 0);
    }
  } else {
    return Error::unavailable("unexpected reply type from a Redis script");
  }
  return out;
}

}  // namespace

RedisScript::RedisScript(const char* source) : text(source), sha(sha1_hex(source)) {}

RedisScriptRunner::RedisScriptRunner(RedisRunnerOptions options) : options_(std::move(options)) {
  const int n = std::max(options_.connections, 1);
  for (int i = 0; i < n; ++i)
    threads_.emplace_back([this] {
      set_thread_name("sovra-redis");
      run();
    });
}

RedisScriptRunner::~RedisScriptRunner() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void RedisScriptRunner::eval(const RedisScript& script, std::vector<std::string> argv, ScriptDone done) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Job{&script, std::move(argv), std::move(done)});
  }
  cv_.notify_one();
}

void RedisScriptRunner::run() {
  constexpr std::size_t kMaxBatch = 64;
  Connection conn(options_, last_ok_ms_);
  std::vector<Job> jobs;
  while (true) {
    jobs.clear();
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      // Everything waiting (up to kMaxBatch) goes out in one pipeline: under load, one round trip serves many calls.
      while (!queue_.empty() && jobs.size() < kMaxBatch) {
        jobs.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<Connection::Call> calls;
    calls.reserve(jobs.size());
    for (const auto& j : jobs) calls.push_back(Connection::Call{j.script->text, &j.script->sha, &j.argv});
    auto replies = conn.eval_pipelined(calls);
    if (conn.take_stale()) {
      // The pooled connection had been dropped by Redis (a restart): the calls it could not answer go once more on
      // a new connection. A script that ran before the connection broke would run twice, which only ever makes a
      // limit stricter (an extra reservation or charge), never looser.
      std::vector<std::size_t> again;
      std::vector<Connection::Call> retry;
      for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (!replies[i] && replies[i].error().message.starts_with("Redis is unreachable")) {
          again.push_back(i);
          retry.push_back(calls[i]);
        }
      }
      if (!retry.empty()) {
        auto second = conn.eval_pipelined(retry);
        for (std::size_t k = 0; k < again.size(); ++k) replies[again[k]] = std::move(second[k]);
      }
    }
    if (std::any_of(replies.begin(), replies.end(), [](const auto& r) { return r.has_value(); })) {
      last_ok_ms_.store(steady_ms(), std::memory_order_relaxed);
    }
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      auto& r = replies[i];
      jobs[i].done(r ? integers_of(**r) : ScriptResult(r.error()));
    }
  }
}

}  // namespace sovra::gateway::rate_limit
