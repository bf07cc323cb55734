// The PostgreSQL driver's `?` placeholders, against a real server (SOVRA_TEST_POSTGRES_URL; scripts/test starts one).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "store/postgres/pg_database.hpp"

namespace sovra::store {
namespace {

TEST(PostgresPlaceholders, QuestionMarksInsideLiteralsAndIdentifiersAreNotParameters) {
  const char* url = std::getenv("SOVRA_TEST_POSTGRES_URL");  // test harness, not configuration
  if (url == nullptr || *url == '\0') GTEST_SKIP() << "SOVRA_TEST_POSTGRES_URL is not set";
  auto db = open_postgres({.conninfo = url, .pool_size = 1});
  ASSERT_TRUE(db) << db.error().message;
  SqlRows rows;
  auto st = (*db)->transaction([&](SqlSession& s) -> Status {
    SOVRA_TRY(rows,
              s.query("SELECT '?' AS \"a?\", ? AS b, 'it''s ?' AS c, ? AS d", {std::string("x"), std::int64_t{7}}));
    return {};
  });
  ASSERT_TRUE(st) << st.error().message;
  ASSERT_EQ(rows.rows.size(), 1u);
  ASSERT_EQ(rows.rows[0].size(), 4u);
  EXPECT_EQ(rows.rows[0][0], "?");
  EXPECT_EQ(rows.rows[0][1], "x");
  EXPECT_EQ(rows.rows[0][2], "it's ?");
  EXPECT_EQ(rows.rows[0][3], "7");
}

}  // namespace
}  // namespace sovra::store
