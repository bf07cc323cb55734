#include "platform/key_cache.hpp"

#include <gtest/gtest.h>

#include "platform/ids.hpp"
#include "platform/key_issuer.hpp"
#include "store/store_backends.hpp"

namespace sovra::platform {
namespace {

class KeyCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = backend_.open();
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    ASSERT_TRUE(store_->create_organization({"org_a", "A", 1}));
    ASSERT_TRUE(store_->create_project({"proj_a", "org_a", "pa", 1, 0}));
    cache_ = std::make_unique<KeyCache>(*store_);
  }

  IssuedKey issue(KeySpec spec = {}) {
    if (spec.org_id.empty()) spec.org_id = "org_a";
    if (spec.project_id.empty() && spec.kind == store::KeyKind::kProject) spec.project_id = "proj_a";
    auto k = issue_key(*store_, spec);
    EXPECT_TRUE(k) << k.error().message;
    EXPECT_TRUE(cache_->reload_key(k->record.id));
    return *k;
  }

  store::test::SqliteBackend backend_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<KeyCache> cache_;
};

TEST_F(KeyCacheTest, AValidKeyAuthenticatesAsItsProject) {
  const auto k = issue();
  auto r = cache_->authenticate(k.plaintext, now_seconds());
  ASSERT_TRUE(r.principal);
  EXPECT_EQ(r.principal->key_id, k.record.id);
  EXPECT_EQ(r.principal->org_id, "org_a");
  EXPECT_EQ(r.principal->project_id, "proj_a");
  EXPECT_FALSE(r.principal->is_admin());
}

TEST_F(KeyCacheTest, MissingMalformedUnknownAndWrongKeysFail) {
  const auto k = issue();
  const auto now = now_seconds();
  EXPECT_EQ(cache_->authenticate("", now).failure, AuthFailure::kMissing);
  EXPECT_EQ(cache_->authenticate("sk-nope", now).failure, AuthFailure::kMalformed);
  const auto unknown = generate_key();
  EXPECT_EQ(cache_->authenticate(unknown.plaintext, now).failure, AuthFailure::kInvalid);
  // Right id, wrong secret: the same failure as an unknown id.
  const std::string wrong = "sk-sovra-" + k.record.id + "-" + std::string(64, 'f');
  EXPECT_EQ(cache_->authenticate(wrong, now).failure, AuthFailure::kInvalid);
}

TEST_F(KeyCacheTest, RevokedAndExpiredKeysFail) {
  const auto now = now_seconds();
  const auto revoked = issue();
  ASSERT_TRUE(store_->revoke_key("org_a", revoked.record.id, now));
  ASSERT_TRUE(cache_->reload_key(revoked.record.id));
  EXPECT_EQ(cache_->authenticate(revoked.plaintext, now).failure, AuthFailure::kInvalid);

  const auto expiring = issue({.expires_at = now + 100});
  EXPECT_TRUE(cache_->authenticate(expiring.plaintext, now + 99).principal);
  EXPECT_EQ(cache_->authenticate(expiring.plaintext, now + 100).failure, AuthFailure::kInvalid);
}

TEST_F(KeyCacheTest, DeletedKeysDisappearFromTheCache) {
  const auto k = issue();
  ASSERT_TRUE(store_->delete_key("org_a", k.record.id));
  ASSERT_TRUE(cache_->reload_key(k.record.id));
  EXPECT_EQ(cache_->authenticate(k.plaintext, now_seconds()).failure, AuthFailure::kInvalid);
}

TEST_F(KeyCacheTest, RotationKeepsTheOldSecretForTheGracePeriodOnly) {
  const auto k = issue();
  auto rotated = rotate_key(*store_, "org_a", k.record.id, 60);
  ASSERT_TRUE(rotated) << rotated.error().message;
  ASSERT_TRUE(cache_->reload_key(k.record.id));
  const auto now = now_seconds();
  EXPECT_NE(rotated->plaintext, k.plaintext);
  EXPECT_TRUE(cache_->authenticate(rotated->plaintext, now).principal);
  EXPECT_TRUE(cache_->authenticate(k.plaintext, now).principal);
  EXPECT_FALSE(cache_->authenticate(k.plaintext, now + 61).principal);
  EXPECT_TRUE(cache_->authenticate(rotated->plaintext, now + 61).principal);
}

TEST_F(KeyCacheTest, LastUsedIsWrittenBackInBatchesNotPerRequest) {
  const auto k = issue();
  const auto now = now_seconds();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(cache_->authenticate(k.plaintext, now).principal);
  EXPECT_EQ(store_->get_key(k.record.id)->last_used_at, 0);  // nothing written per request
  ASSERT_TRUE(cache_->flush_last_used());
  EXPECT_EQ(store_->get_key(k.record.id)->last_used_at, now);
}

TEST_F(KeyCacheTest, ReloadAllPicksUpChangesMadeElsewhere) {
  const auto k = issue();
  auto other = backend_.open();  // another process on the same file
  ASSERT_TRUE(other);
  ASSERT_TRUE((*other)->revoke_key("org_a", k.record.id, 1));
  EXPECT_TRUE(cache_->authenticate(k.plaintext, now_seconds()).principal);  // not yet seen
  ASSERT_TRUE(cache_->reload_all());
  EXPECT_FALSE(cache_->authenticate(k.plaintext, now_seconds()).principal);
}

// A thread remembers keys it verified (no digest when they come again): what it remembers must never outlive a
// change of the key, nor the cache.
TEST_F(KeyCacheTest, ARememberedKeyIsRefusedOnceRevokedOrDeleted) {
  const auto now = now_seconds();
  const auto k = issue();
  ASSERT_TRUE(cache_->authenticate(k.plaintext, now).principal);
  ASSERT_TRUE(cache_->authenticate(k.plaintext, now).principal);  // remembered
  ASSERT_TRUE(store_->revoke_key("org_a", k.record.id, now));
  ASSERT_TRUE(cache_->reload_key(k.record.id));
  EXPECT_EQ(cache_->authenticate(k.plaintext, now).failure, AuthFailure::kInvalid);

  const auto d = issue();
  ASSERT_TRUE(cache_->authenticate(d.plaintext, now).principal);
  ASSERT_TRUE(store_->delete_key("org_a", d.record.id));
  ASSERT_TRUE(cache_->reload_key(d.record.id));
  EXPECT_EQ(cache_->authenticate(d.plaintext, now).failure, AuthFailure::kInvalid);
}

TEST_F(KeyCacheTest, ARememberedKeyStillExpiresAndAnotherSecretOfTheSameLengthFails) {
  const auto now = now_seconds();
  const auto k = issue({.expires_at = now + 100});
  ASSERT_TRUE(cache_->authenticate(k.plaintext, now).principal);
  std::string wrong = k.plaintext;
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(cache_->authenticate(wrong, now).failure, AuthFailure::kInvalid);
  EXPECT_TRUE(cache_->authenticate(k.plaintext, now + 99).principal);
  EXPECT_EQ(cache_->authenticate(k.plaintext, now + 100).failure, AuthFailure::kInvalid);
}

TEST_F(KeyCacheTest, NothingRememberedOutlivesItsCache) {
  const auto k = issue();
  ASSERT_TRUE(cache_->authenticate(k.plaintext, now_seconds()).principal);
  ASSERT_TRUE(store_->delete_key("org_a", k.record.id));
  // A new cache (possibly at the same address) that has not loaded the key must not accept it.
  cache_.reset();
  cache_ = std::make_unique<KeyCache>(*store_);
  ASSERT_TRUE(cache_->reload_all());
  EXPECT_EQ(cache_->authenticate(k.plaintext, now_seconds()).failure, AuthFailure::kInvalid);
}

}  // namespace
}  // namespace sovra::platform
