// The SQLite driver: cached prepared statements stay correct (parameters, errors, schema changes, eviction), and
// connections of one process to one file write concurrently (grouped commits) with each caller's own outcome.
#include "store/sqlite/sqlite_database.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "support/eventually.hpp"

namespace sovra::store {
namespace {

struct TempDir {
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sovra-sqlite-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) dir_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& path() const { return dir_; }
  std::string dir_;
};

std::unique_ptr<SqlDatabase> open_at(const std::string& path) {
  auto db = open_sqlite(path);
  EXPECT_TRUE(db) << (db ? "" : db.error().message);
  return db ? std::move(*db) : nullptr;
}

Result<SqlRows> query_in(SqlDatabase& db, std::string_view sql, std::vector<SqlValue> params = {}) {
  SqlRows out;
  auto st = db.transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(out, s.query(sql, params));
    return {};
  });
  if (!st) return st.error();
  return out;
}

TEST(SqliteDatabase, ARepeatedStatementBindsItsNewParametersEachTime) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "cannot create a temporary directory";
  auto db = open_at(dir.path() + "/a.db");
  ASSERT_TRUE(db);
  ASSERT_TRUE(query_in(*db, "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)"));
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(query_in(*db, "INSERT INTO t (k, v) VALUES (?, ?)", {"k" + std::to_string(i), std::int64_t{i * 10}}));
  }
  // A NULL parameter after integer ones: no binding of the previous use survives.
  ASSERT_TRUE(query_in(*db, "INSERT INTO t (k, v) VALUES (?, ?)", {std::string("null"), nullptr}));
  auto rows = query_in(*db, "SELECT v FROM t WHERE k = ?", {std::string("k3")});
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0][0], "30");
  rows = query_in(*db, "SELECT v FROM t WHERE k = ?", {std::string("null")});
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_FALSE(rows->rows[0][0].has_value());
}

TEST(SqliteDatabase, AStatementThatFailedCanRunAgain) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "cannot create a temporary directory";
  auto db = open_at(dir.path() + "/a.db");
  ASSERT_TRUE(db);
  ASSERT_TRUE(query_in(*db, "CREATE TABLE t (k TEXT PRIMARY KEY)"));
  ASSERT_TRUE(query_in(*db, "INSERT INTO t (k) VALUES (?)", {std::string("x")}));
  EXPECT_FALSE(query_in(*db, "INSERT INTO t (k) VALUES (?)", {std::string("x")}));  // primary key conflict
  EXPECT_TRUE(query_in(*db, "INSERT INTO t (k) VALUES (?)", {std::string("y")}));
  auto rows = query_in(*db, "SELECT COUNT(*) FROM t");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->rows.at(0).at(0), "2");
}

TEST(SqliteDatabase, ACachedStatementSeesASchemaChange) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "cannot create a temporary directory";
  auto db = open_at(dir.path() + "/a.db");
  ASSERT_TRUE(db);
  ASSERT_TRUE(query_in(*db, "CREATE TABLE t (a INTEGER)"));
  ASSERT_TRUE(query_in(*db, "INSERT INTO t (a) VALUES (1)"));
  auto rows = query_in(*db, "SELECT * FROM t");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->rows.at(0).size(), 1u);
  ASSERT_TRUE(query_in(*db, "ALTER TABLE t ADD COLUMN b INTEGER DEFAULT 7"));
  rows = query_in(*db, "SELECT * FROM t");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows.at(0).size(), 2u);
  EXPECT_EQ(rows->rows[0][1], "7");
}

TEST(SqliteDatabase, ManyDistinctStatementsStayCorrect) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "cannot create a temporary directory";
  auto db = open_at(dir.path() + "/a.db");
  ASSERT_TRUE(db);
  ASSERT_TRUE(query_in(*db, "CREATE TABLE t (v INTEGER)"));
  // More distinct statements than the cache keeps, twice over, each checked by its result.
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 200; ++i) {
      auto rows = query_in(*db, "SELECT " + std::to_string(i) + " + ?", {std::int64_t{round}});
      ASSERT_TRUE(rows);
      EXPECT_EQ(rows->rows.at(0).at(0), std::to_string(i + round));
    }
  }
}

TEST(SqliteDatabase, TwoConnectionsOfOneProcessWriteTheSameFileConcurrently) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "cannot create a temporary directory";
  const std::string path = dir.path() + "/a.db";
  auto a = open_at(path);
  auto b = open_at(path);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(query_in(*a, "CREATE TABLE t (who TEXT, n INTEGER)"));
  constexpr int kPerWriter = 300;
  std::vector<std::string> errors[2];
  auto write = [&](SqlDatabase& db, const std::string& who, std::vector<std::string>& errs) {
    for (int i = 0; i < kPerWriter; ++i) {
      auto st = db.transaction([&](SqlSession& s) -> Status {
        SOVRA_CHECK(s.query("INSERT INTO t (who, n) VALUES (?, ?)", {who, std::int64_t{i}}));
        return {};
      });
      if (!st) errs.push_back(st.error().message);
    }
  };
  std::thread ta([&] { write(*a, "a", errors[0]); });
  std::thread tb([&] { write(*b, "b", errors[1]); });
  ta.join();
  tb.join();
  EXPECT_TRUE(errors[0].empty()) << errors[0].front();
  EXPECT_TRUE(errors[1].empty()) << errors[1].front();
  auto rows = query_in(*b, "SELECT who, COUNT(*) FROM t GROUP BY who ORDER BY who");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows.size(), 2u);
  EXPECT_EQ(rows->rows[0][1], std::to_string(kPerWriter));
  EXPECT_EQ(rows->rows[1][1], std::to_string(kPerWriter));
}

TEST(SqliteDatabase, ConcurrentTransactionsKeepTheirOwnOutcome) {
  // Transactions of several connections commit together when they meet; one that fails must undo only its own
  // writes, and every caller must get its own result.
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "cannot create a temporary directory";
  const std::string path = dir.path() + "/a.db";
  constexpr int kWriters = 4;
  constexpr int kEach = 150;
  std::vector<std::unique_ptr<SqlDatabase>> dbs;
  for (int i = 0; i < kWriters; ++i) dbs.push_back(open_at(path));
  for (auto& db : dbs) ASSERT_TRUE(db);
  ASSERT_TRUE(query_in(*dbs[0], "CREATE TABLE t (who INTEGER, n INTEGER, PRIMARY KEY (who, n))"));
  std::vector<int> wrong(kWriters, 0);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        const bool fail = i % 3 == 0;
        auto st = dbs[static_cast<std::size_t>(w)]->transaction([&](SqlSession& s) -> Status {
          SOVRA_CHECK(s.query("INSERT INTO t (who, n) VALUES (?, ?)", {std::int64_t{w}, std::int64_t{i}}));
          if (fail) return Error::invalid("refused on purpose");
          return {};
        });
        if (static_cast<bool>(st) == fail) ++wrong[static_cast<std::size_t>(w)];
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int w = 0; w < kWriters; ++w) EXPECT_EQ(wrong[static_cast<std::size_t>(w)], 0) << "writer " << w;
  auto rows = query_in(*dbs[1], "SELECT COUNT(*), SUM(n % 3 = 0) FROM t");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->rows.at(0).at(0), std::to_string(kWriters * (kEach - kEach / 3)));
  EXPECT_EQ(rows->rows.at(0).at(1), "0");  // no row of a failed transaction survived
}

TEST(SqliteDatabase, AStrictConnectionsWorkIsDurableWhenAnotherConnectionLeads) {
  // The ledger opens its connection with full_sync; its work may run on another connection's commit. Both see
  // each other's rows at once, and the file reopened holds them.
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "cannot create a temporary directory";
  const std::string path = dir.path() + "/a.db";
  {
    auto strict = open_sqlite(path, {.full_sync = true});
    auto relaxed = open_sqlite(path);
    ASSERT_TRUE(strict && relaxed);
    ASSERT_TRUE(query_in(**relaxed, "CREATE TABLE t (v INTEGER)"));
    std::thread a([&] {
      for (int i = 0; i < 100; ++i) EXPECT_TRUE(query_in(**strict, "INSERT INTO t (v) VALUES (1)"));
    });
    std::thread b([&] {
      for (int i = 0; i < 100; ++i) EXPECT_TRUE(query_in(**relaxed, "INSERT INTO t (v) VALUES (2)"));
    });
    a.join();
    b.join();
  }
  auto db = open_at(path);
  ASSERT_TRUE(db);
  auto rows = query_in(*db, "SELECT v, COUNT(*) FROM t GROUP BY v ORDER BY v");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows.size(), 2u);
  EXPECT_EQ(rows->rows[0][1], "100");
  EXPECT_EQ(rows->rows[1][1], "100");
}

// The databases a process opens on one file share one connection (the ledger, the audit log and the store): each
// sees the others' commits at once, and the connection outlives the database that opened it first.
TEST(SqliteDatabase, DatabasesOnOneFileShareAConnectionThatOutlivesTheFirst) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "cannot create a temporary directory";
  const std::string path = dir.path() + "/a.db";
  auto first = open_at(path);
  ASSERT_TRUE(first);
  auto second = open_at(path);
  ASSERT_TRUE(second);
  ASSERT_TRUE(query_in(*first, "CREATE TABLE t (v INTEGER)"));
  ASSERT_TRUE(query_in(*first, "INSERT INTO t (v) VALUES (1)"));
  auto rows = query_in(*second, "SELECT COUNT(*) FROM t");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->rows.at(0).at(0), "1");
  first.reset();
  ASSERT_TRUE(query_in(*second, "INSERT INTO t (v) VALUES (2)"));
  auto third = open_at(path);
  ASSERT_TRUE(third);
  rows = query_in(*third, "SELECT SUM(v) FROM t");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->rows.at(0).at(0), "3");
}

// An in-memory database stays private to its opener: another one is another database.
TEST(SqliteDatabase, InMemoryDatabasesAreSeparate) {
  auto a = open_sqlite(":memory:");
  ASSERT_TRUE(a);
  auto b = open_sqlite(":memory:");
  ASSERT_TRUE(b);
  ASSERT_TRUE(query_in(**a, "CREATE TABLE t (v INTEGER)"));
  ASSERT_TRUE(query_in(**a, "INSERT INTO t (v) VALUES (1)"));
  EXPECT_FALSE(query_in(**b, "SELECT COUNT(*) FROM t"));  // no such table there
  auto rows = query_in(**a, "SELECT COUNT(*) FROM t");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->rows.at(0).at(0), "1");
}

TEST(SqliteDatabase, TheWalIsCheckpointedIntoTheDatabaseWhileItIsOpen) {
  // Checkpoints run on their own thread once the WAL passes 4000 pages (~1 row of 3000 bytes each here): the
  // database file itself grows while the connection is open (before, only its close would copy the WAL back).
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "cannot create a temporary directory";
  const std::string path = dir.path() + "/a.db";
  auto db = open_at(path);
  ASSERT_TRUE(db);
  ASSERT_TRUE(query_in(*db, "CREATE TABLE t (v TEXT)"));
  const std::string blob(3000, 'x');
  for (int tx = 0; tx < 60; ++tx) {
    auto st = db->transaction([&](SqlSession& s) -> Status {
      for (int i = 0; i < 100; ++i) SOVRA_CHECK(s.query("INSERT INTO t (v) VALUES (?)", {blob}));
      return {};
    });
    ASSERT_TRUE(st) << st.error().message;
  }
  EXPECT_TRUE(test::eventually([&] {
    std::error_code ec;
    return std::filesystem::file_size(path, ec) > 4'000'000 && !ec;
  })) << std::filesystem::file_size(path);
  auto rows = query_in(*db, "SELECT COUNT(*) FROM t");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->rows.at(0).at(0), "6000");
}

// A listener reloads when its own channel was notified, not on every commit to the file (the usage ledger commits
// many times a second; before, each commit made the key and limit caches reload everything).
TEST(SqliteDatabase, AListenerIsCalledForItsOwnChannelOnly) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "cannot create a temporary directory";
  // Declared before the database so that they outlive its listener threads.
  std::atomic<int> keys{0};
  std::atomic<int> limits{0};
  auto db = open_at(dir.path() + "/a.db");
  ASSERT_TRUE(db);
  ASSERT_TRUE(query_in(*db, "CREATE TABLE t (v INTEGER)"));
  ASSERT_TRUE(db->listen("keys", [&](std::string_view) { ++keys; }));
  ASSERT_TRUE(db->listen("limits", [&](std::string_view) { ++limits; }));
  // Each listener is called once at start (changes may have been missed before it listened).
  ASSERT_TRUE(test::eventually([&] { return keys == 1 && limits == 1; }));
  // Unrelated commits, and notifications of the other channel, until that channel's listener has seen three of
  // them (so the polls ran while unrelated commits were landing).
  std::int64_t i = 0;
  ASSERT_TRUE(test::eventually([&] {
    EXPECT_TRUE(query_in(*db, "INSERT INTO t (v) VALUES (?)", {++i}));
    EXPECT_TRUE(db->transaction([&](SqlSession& s) { return db->notify(s, "limits", "x"); }));
    return limits >= 4;
  }));
  EXPECT_EQ(keys, 1);
  // Its own channel notified: called.
  ASSERT_TRUE(db->transaction([&](SqlSession& s) { return db->notify(s, "keys", "k1"); }));
  EXPECT_TRUE(test::eventually([&] { return keys == 2; }));
  // A second handle on the file (another process's view) is told too.
  auto other = open_at(dir.path() + "/a.db");
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->transaction([&](SqlSession& s) { return other->notify(s, "keys", "k2"); }));
  EXPECT_TRUE(test::eventually([&] { return keys == 3; }));
}

}  // namespace
}  // namespace sovra::store
