#include "store/sqlite/sqlite_database.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "common/thread_name.hpp"

namespace sovra::store {
namespace {

constexpr int kBusyTimeoutMs = 10000;
constexpr auto kPollInterval = std::chrono::milliseconds(200);
constexpr std::string_view kCreateChanges =
    "CREATE TABLE IF NOT EXISTS sovra_changes (channel TEXT PRIMARY KEY, version INTEGER NOT NULL)";
// Busy handler (another process holds the write lock): short sleeps first, since a write transaction here lasts
// about a commit (~0.1-1 ms), then 1 ms steps; about kBusyTimeoutMs in all. SQLite's own handler sleeps 1, 2, 5,
// 10, … ms, which made every collision between two writers cost several milliseconds.
constexpr int kShortBusyTries = 40;
constexpr auto kShortBusySleep = std::chrono::microseconds(50);

int busy_wait(void*, int tries) {
  if (tries < kShortBusyTries) {
    std::this_thread::sleep_for(kShortBusySleep);
    return 1;
  }
  if (tries - kShortBusyTries >= kBusyTimeoutMs) return 0;
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return 1;
}

Error sqlite_error(sqlite3* db, std::string_view what) {
  return Error::io(std::string(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

Result<sqlite3*> open_connection(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    auto e = sqlite_error(db, "cannot open SQLite database " + path);
    sqlite3_close(db);
    return e;
  }
  sqlite3_busy_handler(db, busy_wait, nullptr);
  return db;
}

// A connection's prepared statements, by SQL text: the writers (ledger, audit) run the same few statements in
// every transaction, and parsing them again each time was a good part of a commit's CPU time. Bounded: when full,
// all are dropped (the hot set is a few dozen). Used under the connection's mutex only.
class StatementCache {
 public:
  static constexpr std::size_t kMaxStatements = 64;
  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache() { clear(); }
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  // A statement ready to bind (reset, no bindings), owned by the cache; null with the error in `error`.
  sqlite3_stmt* get(std::string_view sql) {
    if (auto it = statements_.find(sql); it != statements_.end()) return it->second;
    if (statements_.size() >= kMaxStatements) clear();
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &st, nullptr) !=
        SQLITE_OK) {
      sqlite3_finalize(st);
      return nullptr;
    }
    statements_.emplace(std::string(sql), st);
    return st;
  }

  void clear() {
    for (auto& [sql, st] : statements_) sqlite3_finalize(st);
    statements_.clear();
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*, Hash, std::equal_to<>> statements_;
};

class Session final : public SqlSession {
 public:
  // `cache` may be null: every statement is then prepared and finalized on the spot.
  explicit Session(sqlite3* db, StatementCache* cache = nullptr) : db_(db), cache_(cache) {}

  Result<SqlRows> query(std::string_view sql, const std::vector<SqlValue>& params) override {
    sqlite3_stmt* st = nullptr;
    if (cache_ != nullptr) {
      st = cache_->get(sql);
      if (st == nullptr) return sqlite_error(db_, "SQLite prepare failed");
    } else if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &st, nullptr) != SQLITE_OK) {
      sqlite3_finalize(st);
      return sqlite_error(db_, "SQLite prepare failed");
    }
    // A cached statement goes back reset and unbound (a statement left running would hold its read snapshot).
    std::unique_ptr<sqlite3_stmt, void (*)(sqlite3_stmt*)> guard(
        st, cache_ != nullptr ? +[](sqlite3_stmt* s) {
          sqlite3_reset(s);
          sqlite3_clear_bindings(s);
        }
                              : +[](sqlite3_stmt* s) { sqlite3_finalize(s); });
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int idx = static_cast<int>(i + 1);
      int rc = SQLITE_OK;
      if (const auto* n = std::get_if<std::int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(st, idx, *n);
      } else if (const auto* s = std::get_if<std::string>(&params[i])) {
        rc = sqlite3_bind_text(st, idx, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
      } else {
        rc = sqlite3_bind_null(st, idx);
      }
      if (rc != SQLITE_OK) return sqlite_error(db_, "SQLite bind failed");
    }
    SqlRows out;
    while (true) {
      const int rc = sqlite3_step(st);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return sqlite_error(db_, "SQLite query failed");
      // After the first step: a cached statement is prepared again there when the schema changed (`SELECT *`).
      const int columns = sqlite3_column_count(st);
      SqlRow row(static_cast<std::size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        if (sqlite3_column_type(st, c) == SQLITE_NULL) continue;
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
        row[static_cast<std::size_t>(c)] = std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(st, c)));
      }
      out.rows.push_back(std::move(row));
    }
    out.affected = sqlite3_changes(db_);
    return out;
  }

 private:
  sqlite3* db_;
  StatementCache* cache_;
};

// Group commit, on one connection per file of this process. The usage ledger, the audit log and the store each
// open the data directory's database, and SQLite lets one connection write at a time: a transaction waited for the
// one before it, and the calls waiting for a ledger row and an audit record paid for two commits in a row. Here a
// transaction that finds another one running queues its work; when that one ends, the first waiter becomes the
// leader and runs everything queued in one transaction (each caller's work in a SAVEPOINT of its own, so one
// caller's failure undoes only its part), with one COMMIT — one fsync — for all. A caller still blocks until its
// work is committed (or failed), exactly as before.
// All of them run on the file's one connection (`conn`, used by the leader only): with a connection each, every
// commit by one made the others read their cached pages again (pread64 ~4 times per relayed call).
struct GroupWaiter {
  const std::function<Status(SqlSession&)>* fn;
  bool full_sync;
  Status result;
  bool done = false;
};

struct FileGroup {
  std::mutex mu;
  std::condition_variable cv;
  bool running = false;  // a leader is running a group
  std::deque<GroupWaiter*> queue;

  std::mutex open_mu;       // guards the opening of conn
  std::string path;         // as first opened
  sqlite3* conn = nullptr;  // used by the leader only, once open
  std::optional<StatementCache> statements;
  bool synced_full = false;  // conn's current PRAGMA synchronous

  // WAL checkpoints run on a thread of their own with its own connection, PASSIVE (never blocking a writer), once
  // the WAL holds kCheckpointPages pages, as SQLite's automatic checkpoint would; that one ran inside the COMMIT of
  // whichever writer crossed the mark, holding the file's write lock (and that writer's callers) for milliseconds.
  // 4000 pages (16 MiB at SQLite's page size) rather than SQLite's 1000: hot pages (the tables' last leaves, the
  // indexes' roots) are copied back once per checkpoint however often they were rewritten, and a relayed call
  // cost ~7% less CPU with it.
  static constexpr int kCheckpointPages = 4000;
  std::mutex stop_mu;
  std::condition_variable checkpoint_cv;
  bool stopping = false;
  bool checkpoint_due = false;  // guarded by stop_mu, like checkpointer's start
  std::thread checkpointer;

  FileGroup() = default;
  FileGroup(const FileGroup&) = delete;
  FileGroup& operator=(const FileGroup&) = delete;
  ~FileGroup() {
    {
      std::lock_guard lock(stop_mu);
      stopping = true;
    }
    checkpoint_cv.notify_all();
    if (checkpointer.joinable()) checkpointer.join();
    statements.reset();
    if (conn != nullptr) sqlite3_close(conn);
  }

  // Opens conn on the first call (WAL, foreign keys on, `full_sync` as the first opener asked; each group then sets
  // what its callers ask for).
  Status open(const std::string& file, bool full_sync) {
    std::lock_guard lock(open_mu);
    if (conn != nullptr) return {};
    SOVRA_TRY(sqlite3 * db, open_connection(file));
    Session s(db);
    for (const char* pragma : {"PRAGMA journal_mode=WAL", full_sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
                              "PRAGMA foreign_keys=ON"}) {
      if (auto r = s.query(pragma, {}); !r) {
        sqlite3_close(db);
        return r.error();
      }
    }
    path = file;
    synced_full = full_sync;
    statements.emplace(db);
    sqlite3_wal_hook(db, on_wal_commit, this);  // replaces SQLite's automatic checkpoint (see run_checkpoints)
    conn = db;
    return {};
  }

  static int on_wal_commit(void* self, sqlite3*, const char*, int pages) {
    if (pages >= kCheckpointPages) static_cast<FileGroup*>(self)->request_checkpoint();
    return SQLITE_OK;
  }

  void request_checkpoint() {
    {
      std::lock_guard lock(stop_mu);
      if (stopping) return;
      checkpoint_due = true;
      if (!checkpointer.joinable())
        checkpointer = std::thread([this] {
          set_thread_name("sovra-checkpt");
          run_checkpoints();
        });
    }
    checkpoint_cv.notify_one();
  }

  void run_checkpoints() {
    sqlite3* checkpoint_conn = nullptr;
    while (true) {
      {
        std::unique_lock lock(stop_mu);
        checkpoint_cv.wait(lock, [this] { return stopping || checkpoint_due; });
        if (stopping) break;
        checkpoint_due = false;
      }
      if (checkpoint_conn == nullptr) {
        auto opened = open_connection(path);  // on failure: tried again at the next request
        // A fresh connection has not opened the WAL yet, and a checkpoint on it would do nothing.
        if (opened && sqlite3_exec(*opened, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr) == SQLITE_OK) {
          checkpoint_conn = *opened;
        } else if (opened) {
          sqlite3_close(*opened);
        }
      }
      if (checkpoint_conn != nullptr) {
        (void)sqlite3_wal_checkpoint_v2(checkpoint_conn, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      }
    }
    if (checkpoint_conn != nullptr) sqlite3_close(checkpoint_conn);
  }
};

// Keyed by the file's canonical path; shared by the open databases of this process. An in-memory database is
// private to its opener (another connection to ":memory:" is another database).
std::shared_ptr<FileGroup> file_group(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<FileGroup>> groups;
  std::error_code ec;
  auto key = std::filesystem::weakly_canonical(path, ec).string();
  if (ec || path == ":memory:" || path.empty()) return std::make_shared<FileGroup>();
  std::lock_guard lock(mu);
  for (auto it = groups.begin(); it != groups.end();) it = it->second.expired() ? groups.erase(it) : std::next(it);
  auto& slot = groups[key];
  auto found = slot.lock();
  if (!found) {
    found = std::make_shared<FileGroup>();
    slot = found;
  }
  return found;
}

class SqliteDatabase final : public SqlDatabase {
 public:
  SqliteDatabase(std::string path, std::shared_ptr<FileGroup> group, bool full_sync)
      : path_(std::move(path)), full_sync_(full_sync), group_(std::move(group)) {}
  ~SqliteDatabase() override {
    {
      std::lock_guard lock(stop_mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    for (auto& t : listeners_) t.join();
  }

  std::string_view dialect() const override { return "sqlite"; }

  Status transaction(const std::function<Status(SqlSession&)>& fn) override {
    GroupWaiter me{.fn = &fn, .full_sync = full_sync_, .result = {}};
    std::vector<GroupWaiter*> batch;
    {
      std::unique_lock lock(group_->mu);
      group_->queue.push_back(&me);
      // As long as SQLite would wait for another writer; then the same kind of error as a busy database.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
      while (!me.done && group_->running) {
        if (group_->cv.wait_until(lock, deadline) == std::cv_status::timeout && !me.done) {
          auto it = std::find(group_->queue.begin(), group_->queue.end(), &me);
          if (it != group_->queue.end()) {  // not taken by a leader yet: give up
            group_->queue.erase(it);
            return Error::io("SQLite database is locked (another connection of this process)");
          }
        }
      }
      if (me.done) return me.result;
      group_->running = true;  // leader: everything queued goes into one transaction
      batch.assign(group_->queue.begin(), group_->queue.end());
      group_->queue.clear();
    }
    run_group(batch);
    {
      std::lock_guard lock(group_->mu);
      for (auto* w : batch) w->done = true;
      group_->running = false;
    }
    group_->cv.notify_all();
    return me.result;
  }

  Status lock_for_migrations(SqlSession&) override { return {};  /* BEGIN IMMEDIATE already excludes others */ }
  // A change counter per channel, bumped in the writer's transaction: the listeners below reload only when their
  // own channel's counter moved, not on every commit of the file (the usage ledger and the audit log commit many
  // times a second, and each of those changed data_version).
  Status notify(SqlSession& s, std::string_view channel, std::string_view) override {
    SOVRA_CHECK(s.query(kCreateChanges, {}));
    SOVRA_CHECK(s.query("INSERT INTO sovra_changes (channel, version) VALUES (?, 1)"
                        " ON CONFLICT (channel) DO UPDATE SET version = version + 1",
                        {std::string(channel)}));
    return {};
  }

  Status listen(std::string channel, std::function<void(std::string_view)> on_change) override {
    SOVRA_TRY(sqlite3 * watcher, open_connection(path_));
    listeners_.emplace_back([this, watcher, channel = std::move(channel), on_change = std::move(on_change)] {
      // data_version changes when another connection (this process's writer or another process) commits; only
      // then is the channel's counter read (no table or no row yet: 0). The first round always calls on_change.
      std::int64_t seen = -1;
      std::optional<std::int64_t> version;
      while (true) {
        Session s(watcher);
        auto r = s.query("PRAGMA data_version", {});
        const std::int64_t now = r && !r->rows.empty() && r->rows[0][0] ? std::stoll(*r->rows[0][0]) : seen;
        if (now != seen) {
          seen = now;
          auto v = s.query("SELECT version FROM sovra_changes WHERE channel = ?", {channel});
          const std::int64_t current = v && !v->rows.empty() && v->rows[0][0] ? std::stoll(*v->rows[0][0]) : 0;
          if (current != version) {
            version = current;
            on_change("");
          }
        }
        std::unique_lock lock(stop_mu_);
        if (stop_cv_.wait_for(lock, kPollInterval, [this] { return stopping_; })) break;
      }
      sqlite3_close(watcher);
    });
    return {};
  }

 private:
  // Runs the callers' work in one transaction on this connection; sets each caller's result.
  void run_group(const std::vector<GroupWaiter*>& batch) {
    Session session(group_->conn, &*group_->statements);
    auto fail_all = [&](const Error& e) {
      for (auto* w : batch) w->result = e;
    };
    // The strictest durability any caller asked for (the ledger's connection fsyncs every commit).
    const bool full = std::any_of(batch.begin(), batch.end(), [](const GroupWaiter* w) { return w->full_sync; });
    if (full != group_->synced_full) {
      if (auto r = session.query(full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", {}); !r) {
        fail_all(r.error());
        return;
      }
      group_->synced_full = full;
    }
    // IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading read locks.
    if (auto r = session.query("BEGIN IMMEDIATE", {}); !r) {
      fail_all(r.error());
      return;
    }
    bool any_ok = false;
    if (batch.size() == 1) {
      batch[0]->result = (*batch[0]->fn)(session);
      any_ok = static_cast<bool>(batch[0]->result);
    } else {
      for (auto* w : batch) {
        if (auto r = session.query("SAVEPOINT sovra_group", {}); !r) {
          w->result = r.error();
          continue;
        }
        w->result = (*w->fn)(session);
        if (!w->result) (void)session.query("ROLLBACK TO sovra_group", {});
        (void)session.query("RELEASE sovra_group", {});
        any_ok = any_ok || static_cast<bool>(w->result);
      }
    }
    if (!any_ok) {
      (void)session.query("ROLLBACK", {});
      return;
    }
    if (auto r = session.query("COMMIT", {}); !r) {
      (void)session.query("ROLLBACK", {});
      for (auto* w : batch)
        if (w->result) w->result = r.error();
    }
  }

  std::string path_;
  bool full_sync_;  // what this database's own callers ask for
  std::shared_ptr<FileGroup> group_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::vector<std::thread> listeners_;
};

}  // namespace

Result<std::unique_ptr<SqlDatabase>> open_sqlite(const std::string& path, SqliteOptions options) {
  auto group = file_group(path);
  SOVRA_CHECK(group->open(path, options.full_sync));
  return std::unique_ptr<SqlDatabase>(std::make_unique<SqliteDatabase>(path, std::move(group), options.full_sync));
}

}  // namespace sovra::store
