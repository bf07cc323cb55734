// Accepting invites on both store backends: the one-time token creates the user and an admin key with the invited
// role exactly once; reused, expired, deleted, wrong and malformed tokens are refused and change nothing. Also the
// migration that gives keys issued before roles the owner role.
#include "platform/invite_accept.hpp"

#include <gtest/gtest.h>

#include "platform/ids.hpp"
#include "platform/invite_token.hpp"
#include "platform/key_cache.hpp"
#include "store/migrations/migrations.hpp"
#include "store/store_backends.hpp"

namespace sovra::platform {
namespace {

using store::test::PostgresBackend;
using store::test::SqliteBackend;

template <typename B>
class InviteAccept : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = backend_.skip_reason(); !why.empty()) GTEST_SKIP() << why;
    auto s = backend_.open();
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    ASSERT_TRUE(store_->create_organization({"org_a", "A", 1}));
  }

  // An invite for `email` expiring at `expires_at`; returns its token.
  std::string invite(const std::string& email, const std::string& role, store::Timestamp expires_at) {
    store::Invite inv{new_id("invite"), "org_a", email, role, "pending", 100, expires_at};
    auto t = make_invite_token(inv.id);
    inv.token_salt = t.stored.salt;
    inv.token_hash = t.stored.hash;
    EXPECT_TRUE(store_->create_invite(inv));
    last_id_ = inv.id;
    return t.plaintext;
  }

  std::size_t users() {
    auto page = store_->list_users("org_a", {.after = {}, .limit = 100});
    return page ? page->items.size() : 999;
  }
  std::size_t admin_keys() {
    auto page = store_->list_keys("org_a", "", store::KeyKind::kAdmin, {.after = {}, .limit = 100});
    return page ? page->items.size() : 999;
  }

  B backend_;
  std::unique_ptr<store::Store> store_;
  std::string last_id_;
};

using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;
class BackendNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, SqliteBackend> ? "sqlite" : "postgres";
  }
};
TYPED_TEST_SUITE(InviteAccept, Backends, BackendNames);

TYPED_TEST(InviteAccept, TheTokenCreatesTheUserAndAnAdminKeyWithTheInvitedRoleOnce) {
  const auto token = this->invite("ann@a.example", "billing", 10'000);
  auto done = accept_invite(*this->store_, token, "Ann", 500);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->user.email, "ann@a.example");
  EXPECT_EQ(done->user.role, "billing");
  EXPECT_EQ(done->admin_key.record.role, "billing");
  EXPECT_EQ(done->admin_key.record.owner_id, done->user.id);
  auto inv = this->store_->get_invite("org_a", this->last_id_);
  ASSERT_TRUE(inv);
  EXPECT_EQ(inv->status, "accepted");
  EXPECT_EQ(inv->accepted_at, 500);
  // The key authenticates and acts as billing.
  KeyCache cache(*this->store_);
  ASSERT_TRUE(cache.reload_all());
  auto auth = cache.authenticate(done->admin_key.plaintext, 600);
  ASSERT_NE(auth.principal, nullptr);
  EXPECT_EQ(auth.principal->role, Role::kBilling);
  EXPECT_TRUE(auth.principal->is_admin());

  // Reused: conflict, nothing new.
  auto again = accept_invite(*this->store_, token, "Ann", 501);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().status(), 409);
  EXPECT_EQ(this->users(), 1u);
  EXPECT_EQ(this->admin_keys(), 1u);
}

TYPED_TEST(InviteAccept, ExpiredWrongDeletedAndMalformedTokensChangeNothing) {
  const auto expired = this->invite("old@a.example", "admin", 1000);
  const auto expired_id = this->last_id_;
  auto r = accept_invite(*this->store_, expired, "", 1000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status(), 410) << r.error().message;
  EXPECT_EQ(this->store_->get_invite("org_a", expired_id)->status, "pending");

  const auto good = this->invite("bob@a.example", "member", 10'000);
  auto wrong = good;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  r = accept_invite(*this->store_, wrong, "", 500);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status(), 404);

  const auto deleted = this->invite("gone@a.example", "member", 10'000);
  ASSERT_TRUE(this->store_->delete_invite("org_a", this->last_id_));
  r = accept_invite(*this->store_, deleted, "", 500);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status(), 404);

  for (const char* bad : {"", "sovra-invite.", "sovra-invite.x.short", "sk-sovra-abc-def", "sovra-invite..0000"}) {
    r = accept_invite(*this->store_, bad, "", 500);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().status(), 400) << bad;
  }
  EXPECT_EQ(this->users(), 0u);
  EXPECT_EQ(this->admin_keys(), 0u);
  // The good one still works after all that.
  EXPECT_TRUE(accept_invite(*this->store_, good, "", 500));
}

TYPED_TEST(InviteAccept, AnEmailThatIsAlreadyAUserLeavesTheInvitePending) {
  ASSERT_TRUE(this->store_->create_user({"user_x", "org_a", "dup@a.example", "Dup", "member", 1}));
  const auto token = this->invite("dup@a.example", "admin", 10'000);
  auto r = accept_invite(*this->store_, token, "", 500);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status(), 409);
  EXPECT_EQ(this->store_->get_invite("org_a", this->last_id_)->status, "pending");
  EXPECT_EQ(this->admin_keys(), 0u);
}

TYPED_TEST(InviteAccept, SetKeyRoleChangesOnlyAdminKeysOfTheOrganization) {
  const auto token = this->invite("c@a.example", "admin", 10'000);
  auto done = accept_invite(*this->store_, token, "", 500);
  ASSERT_TRUE(done);
  ASSERT_TRUE(this->store_->set_key_role("org_a", done->admin_key.record.id, "auditor"));
  EXPECT_EQ(this->store_->get_key(done->admin_key.record.id)->role, "auditor");
  ASSERT_TRUE(this->store_->create_organization({"org_b", "B", 2}));
  EXPECT_FALSE(this->store_->set_key_role("org_b", done->admin_key.record.id, "owner"));
  EXPECT_EQ(this->store_->get_key(done->admin_key.record.id)->role, "auditor");
}

TYPED_TEST(InviteAccept, KeysIssuedBeforeRolesExistedBecomeOwners) {
  // Roll the roles migration back by hand, then reopen: it runs again over existing keys.
  const auto all = store::migrations();
  std::int64_t mine = 0;
  for (const auto& m : all)
    if (std::string_view(m.name) == "roles_invites") mine = m.version;
  ASSERT_NE(mine, 0);
  if (mine != all.back().version) GTEST_SKIP() << "later migrations exist; this roll-back covers only the last one";
  store::ApiKeyRecord k;
  k.id = "oldadmin1";
  k.org_id = "org_a";
  k.kind = store::KeyKind::kAdmin;
  k.name = "old";
  k.redacted = "r";
  k.salt = "00";
  k.hash = "00";
  ASSERT_TRUE(this->store_->create_key(k));
  this->store_.reset();
  for (const char* sql : {"ALTER TABLE api_keys DROP COLUMN role", "ALTER TABLE invites DROP COLUMN accepted_at",
                          "ALTER TABLE invites DROP COLUMN token_salt", "ALTER TABLE invites DROP COLUMN token_hash"}) {
    ASSERT_TRUE(this->backend_.exec(sql)) << sql;
  }
  ASSERT_TRUE(this->backend_.exec("DELETE FROM schema_migrations WHERE version = " + std::to_string(mine)));
  auto s = this->backend_.open();
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ((*s)->get_key("oldadmin1")->role, "owner");
}

}  // namespace
}  // namespace sovra::platform
