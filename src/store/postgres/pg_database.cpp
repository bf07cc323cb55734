#include "store/postgres/pg_database.hpp"

#include <libpq-fe.h>
#include <sys/select.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace sovra::store {
namespace {

constexpr std::int64_t kMigrationLockId = 0x50f7a;

Error pg_error(PGconn* c, std::string_view what) {
  std::string msg = c != nullptr ? PQerrorMessage(c) : "out of memory";
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return Error::io(std::string(what) + ": " + msg);
}

Result<PGconn*> connect(const std::string& conninfo) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (c == nullptr || PQstatus(c) != CONNECTION_OK) {
    // The message names host and port, never the password (libpq does not echo it).
    auto e = pg_error(c, "cannot connect to PostgreSQL");
    PQfinish(c);
    return e;
  }
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);  // NOTICEs are not errors; keep stderr for logs
  return c;
}

// `?` placeholders become `$1…$n`; a `?` inside a '…' literal or a "…" identifier stays as it is (a doubled quote
// inside one closes and reopens it, which leaves the state right).
std::string translate(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 8);
  int n = 0;
  char quote = 0;  // the quote character of the literal or identifier we are inside, or 0
  for (char ch : sql) {
    if (quote != 0) {
      if (ch == quote) quote = 0;
      out += ch;
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
      out += ch;
    } else if (ch == '?') {
      out += '$';
      out += std::to_string(++n);
    } else {
      out += ch;
    }
  }
  return out;
}

class Session final : public SqlSession {
 public:
  explicit Session(PGconn* c) : c_(c) {}

  Result<SqlRows> query(std::string_view sql, const std::vector<SqlValue>& params) override {
    const std::string text = translate(sql);
    std::vector<std::string> storage(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (const auto* n = std::get_if<std::int64_t>(&params[i])) {
        storage[i] = std::to_string(*n);
        values[i] = storage[i].c_str();
      } else if (const auto* s = std::get_if<std::string>(&params[i])) {
        values[i] = s->c_str();
      }
    }
    PGresult* res = PQexecParams(c_, text.c_str(), static_cast<int>(params.size()), nullptr, values.data(), nullptr,
                                 nullptr, 0);
    std::unique_ptr<PGresult, void (*)(PGresult*)> guard(res, PQclear);
    const auto status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return pg_error(c_, "PostgreSQL query failed");
    SqlRows out;
    const int rows = PQntuples(res);
    const int cols = PQnfields(res);
    out.rows.reserve(static_cast<std::size_t>(rows));
    for (int r = 0; r < rows; ++r) {
      SqlRow row(static_cast<std::size_t>(cols));
      for (int c = 0; c < cols; ++c) {
        if (PQgetisnull(res, r, c)) continue;
        row[static_cast<std::size_t>(c)] = std::string(PQgetvalue(res, r, c), static_cast<std::size_t>(PQgetlength(res, r, c)));
      }
      out.rows.push_back(std::move(row));
    }
    const char* affected = PQcmdTuples(res);
    out.affected = affected != nullptr && *affected != '\0' ? std::atoll(affected) : 0;
    return out;
  }

 private:
  PGconn* c_;
};

class PgDatabase final : public SqlDatabase {
 public:
  PgDatabase(PgOptions options, std::vector<PGconn*> pool) : options_(std::move(options)), idle_(std::move(pool)) {}
  ~PgDatabase() override {
    stopping_ = true;
    for (auto& t : listeners_) t.join();
    std::lock_guard lock(mu_);
    for (auto* c : idle_) PQfinish(c);
  }

  std::string_view dialect() const override { return "postgres"; }

  Status transaction(const std::function<Status(SqlSession&)>& fn) override {
    PGconn* c = acquire();
    if (PQstatus(c) != CONNECTION_OK) PQreset(c);
    Session session(c);
    Status st;
    if (auto r = session.query("BEGIN", {}); !r) {
      st = r.error();
    } else {
      st = fn(session);
      if (st) {
        if (auto cr = session.query("COMMIT", {}); !cr) st = cr.error();
      } else {
        (void)session.query("ROLLBACK", {});
      }
    }
    release(c);
    return st;
  }

  Status lock_for_migrations(SqlSession& s) override {
    auto r = s.query("SELECT pg_advisory_xact_lock(?)", {SqlValue{kMigrationLockId}});
    if (!r) return r.error();
    return {};
  }

  Status notify(SqlSession& s, std::string_view channel, std::string_view payload) override {
    auto r = s.query("SELECT pg_notify(?, ?)", {SqlValue{std::string(channel)}, SqlValue{std::string(payload)}});
    if (!r) return r.error();
    return {};
  }

  Status listen(std::string channel, std::function<void(std::string_view)> on_change) override {
    SOVRA_TRY(PGconn * first, subscribe(channel));
    listeners_.emplace_back([this, first, channel = std::move(channel), on_change = std::move(on_change)] {
      PGconn* c = first;
      on_change("");
      while (!stopping_) {
        if (c == nullptr || PQstatus(c) != CONNECTION_OK) {
          if (c != nullptr) PQfinish(c);
          c = nullptr;
          auto again = subscribe(channel);
          if (!again) {
            wait_readable(-1, 500);  // backoff before the next attempt; stopping_ is checked in the loop
            continue;
          }
          c = *again;
          on_change("");  // notifications may have been missed while disconnected
        }
        wait_readable(PQsocket(c), 100);
        if (PQconsumeInput(c) == 0) continue;  // connection broke: reconnect above
        while (PGnotify* n = PQnotifies(c)) {
          on_change(n->extra != nullptr ? std::string_view(n->extra) : std::string_view());
          PQfreemem(n);
        }
      }
      if (c != nullptr) PQfinish(c);
    });
    return {};
  }

 private:
  Result<PGconn*> subscribe(const std::string& channel) {
    SOVRA_TRY(PGconn * c, connect(options_.conninfo));
    char* ident = PQescapeIdentifier(c, channel.c_str(), channel.size());
    const std::string sql = std::string("LISTEN ") + (ident != nullptr ? ident : "\"\"");
    PQfreemem(ident);
    PGresult* res = PQexec(c, sql.c_str());
    const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) {
      auto e = pg_error(c, "PostgreSQL LISTEN failed");
      PQfinish(c);
      return e;
    }
    return c;
  }

  // Waits until `fd` is readable or `timeout_ms` passes (fd < 0: just the timeout).
  static void wait_readable(int fd, int timeout_ms) {
    fd_set set;
    FD_ZERO(&set);
    if (fd >= 0) FD_SET(fd, &set);
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    (void)select(fd >= 0 ? fd + 1 : 0, fd >= 0 ? &set : nullptr, nullptr, nullptr, &tv);
  }

  PGconn* acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !idle_.empty(); });
    PGconn* c = idle_.back();
    idle_.pop_back();
    return c;
  }
  void release(PGconn* c) {
    {
      std::lock_guard lock(mu_);
      idle_.push_back(c);
    }
    cv_.notify_one();
  }

  PgOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<PGconn*> idle_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> listeners_;
};

}  // namespace

Result<std::unique_ptr<SqlDatabase>> open_postgres(const PgOptions& options) {
  std::vector<PGconn*> pool;
  for (int i = 0; i < std::max(1, options.pool_size); ++i) {
    auto c = connect(options.conninfo);
    if (!c) {
      for (auto* p : pool) PQfinish(p);
      return c.error();
    }
    pool.push_back(*c);
  }
  return std::unique_ptr<SqlDatabase>(std::make_unique<PgDatabase>(options, std::move(pool)));
}

}  // namespace sovra::store
