// Opt-in content retention: off by default, needs a key, encrypted at rest (AES-256-GCM), bound to its row,
// scoped by organisation, purged when expired.
#include <gtest/gtest.h>

#include "platform/audit/audit_db.hpp"
#include "platform/audit/content_store.hpp"

namespace sovra::platform::audit::test {
namespace {

const std::string kKey(64, 'a');

template <typename D>
class ContentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = db_.skip_reason(); !why.empty()) GTEST_SKIP() << why;
    auto db = db_.open();
    ASSERT_TRUE(db) << db.error().message;
    sql_ = *db;
  }
  std::shared_ptr<ContentStore> open(const std::string& key = kKey) {
    auto s = ContentStore::open(sql_, key);
    EXPECT_TRUE(s) << s.error().message;
    return s ? *s : nullptr;
  }
  KeptContent content(std::string org = "org_a", std::string project = "proj_a") {
    return {std::move(org), std::move(project), "req_1", "What is the capital of Sweden?", "Stockholm.", 0, 0};
  }
  D db_;
  std::shared_ptr<store::SqlDatabase> sql_;
};

TYPED_TEST_SUITE(ContentStoreTest, Dbs, DbNames);

TYPED_TEST(ContentStoreTest, NothingIsKeptByDefault) {
  auto s = this->open();
  EXPECT_EQ(s->retention_days("proj_a"), 0);
  auto kept = s->keep(this->content(), 1000);
  ASSERT_TRUE(kept);
  EXPECT_FALSE(*kept);
  EXPECT_FALSE(s->read("org_a", "proj_a", "req_1"));
}

TYPED_TEST(ContentStoreTest, OptingInNeedsAKey) {
  auto s = this->open("");
  auto st = s->set_retention("org_a", "proj_a", 7);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("audit.content_key"), std::string::npos);
  EXPECT_FALSE(ContentStore::open(this->sql_, "abcd"));
}

TYPED_TEST(ContentStoreTest, KeptContentIsEncryptedScopedAndExpires) {
  auto s = this->open();
  ASSERT_TRUE(s->set_retention("org_a", "proj_a", 7));
  EXPECT_EQ(this->open()->retention_days("proj_a"), 7);  // stored, seen by another process
  auto kept = s->keep(this->content(), 1000);
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_TRUE(*kept);
  auto back = s->read("org_a", "proj_a", "req_1");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->prompt, "What is the capital of Sweden?");
  EXPECT_EQ(back->completion, "Stockholm.");
  EXPECT_EQ(back->expires_at, 1000 + 7 * 86400);
  // At rest: no plaintext in the row.
  bool plaintext = false;
  ASSERT_TRUE(this->sql_->transaction([&](store::SqlSession& q) -> Status {
    SOVRA_TRY(auto rows, q.query("SELECT ciphertext FROM retained_content"));
    for (const auto& r : rows.rows) plaintext = plaintext || r[0]->find("Stockholm") != std::string::npos;
    return {};
  }));
  EXPECT_FALSE(plaintext);
  // Another organisation cannot read it.
  EXPECT_EQ(s->read("org_b", "proj_a", "req_1").error().code, ErrorCode::kNotFound);
  // A wrong key does not decrypt it.
  auto other = this->open(std::string(64, 'b'));
  EXPECT_EQ(other->read("org_a", "proj_a", "req_1").error().code, ErrorCode::kCorruptData);
  // A row moved to another request fails authentication.
  ASSERT_TRUE(exec(*this->sql_, "UPDATE retained_content SET request_id = 'req_2'"));
  EXPECT_EQ(s->read("org_a", "proj_a", "req_2").error().code, ErrorCode::kCorruptData);
  // Expiry.
  auto purged = s->purge_expired(1000 + 7 * 86400);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 1);
  // Opting out.
  ASSERT_TRUE(s->set_retention("org_a", "proj_a", 0));
  EXPECT_EQ(s->retention_days("proj_a"), 0);
  EXPECT_FALSE(s->set_retention("org_a", "proj_a", -1));
}

}  // namespace
}  // namespace sovra::platform::audit::test
