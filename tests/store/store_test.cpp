// One suite, both backends: every test runs on SQLite and on PostgreSQL.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>

#include "platform/ids.hpp"
#include "store/migrations/migrations.hpp"
#include "store/store_backends.hpp"
#include "support/eventually.hpp"

namespace sovra::store::test {
namespace {

template <typename B>
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = backend_.skip_reason(); !why.empty()) GTEST_SKIP() << why;
    auto s = backend_.open();
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    ASSERT_TRUE(store_->create_organization({"org_a", "A", 1}));
    ASSERT_TRUE(store_->create_organization({"org_b", "B", 2}));
    ASSERT_TRUE(store_->create_project({"proj_a", "org_a", "pa", 10, 0}));
    ASSERT_TRUE(store_->create_project({"proj_b", "org_b", "pb", 11, 0}));
  }

  ApiKeyRecord key(std::string id, std::string org, std::string project, KeyKind kind = KeyKind::kProject) {
    ApiKeyRecord k;
    k.id = std::move(id);
    k.org_id = std::move(org);
    k.project_id = kind == KeyKind::kAdmin ? std::string() : std::move(project);
    k.kind = kind;
    k.name = "k";
    k.redacted = "sk-sovra-" + k.id + "-...abcd";
    k.salt = "00112233445566778899aabbccddeeff";
    k.hash = std::string(64, 'a');
    k.created_at = 100;
    k.allowed_models = {"m1", "m2"};
    k.allowed_endpoints = {"/v1/chat/completions"};
    return k;
  }

  B backend_;
  std::unique_ptr<Store> store_;
};

using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;
class BackendNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, SqliteBackend> ? "sqlite" : "postgres";
  }
};
TYPED_TEST_SUITE(StoreTest, Backends, BackendNames);

TYPED_TEST(StoreTest, MigrationsAreRecordedAndReopeningIsANoOp) {
  EXPECT_EQ(this->store_->schema_version(), migrations().back().version);
  auto again = this->backend_.open();
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ((*again)->schema_version(), migrations().back().version);
  auto orgs = (*again)->list_organizations({});
  ASSERT_TRUE(orgs);
  EXPECT_EQ(orgs->items.size(), 2u);  // data kept, nothing re-created
}

TYPED_TEST(StoreTest, ADatabaseNewerThanTheBinaryIsRefused) {
  ASSERT_TRUE(this->backend_.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)"));
  auto s = this->backend_.open();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("version 999"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("newer"), std::string::npos) << s.error().message;
}

TYPED_TEST(StoreTest, ProjectsAreScopedToTheirOrganization) {
  auto& s = *this->store_;
  EXPECT_TRUE(s.get_project("org_a", "proj_a"));
  auto other = s.get_project("org_b", "proj_a");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kNotFound);
  auto missing = s.get_project("org_b", "proj_nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, s.get_project("org_b", "proj_nope").error().message);
  EXPECT_FALSE(s.rename_project("org_b", "proj_a", "stolen"));
  EXPECT_EQ(s.get_project("org_a", "proj_a")->name, "pa");
  auto list = s.list_projects("org_b", {}, true);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_EQ(list->items[0].id, "proj_b");
}

TYPED_TEST(StoreTest, CursorPaginationWalksEveryItemOnce) {
  auto& s = *this->store_;
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(s.create_project({platform::new_id("proj"), "org_a", "p", 20, 0}));
  std::set<std::string> seen;
  PageRequest page{.after = "", .limit = 3};
  int pages = 0;
  while (true) {
    auto p = s.list_projects("org_a", page, false);
    ASSERT_TRUE(p);
    ++pages;
    for (const auto& item : p->items) EXPECT_TRUE(seen.insert(item.id).second) << item.id;
    if (!p->has_more) break;
    ASSERT_EQ(p->items.size(), 3u);
    page.after = p->items.back().id;
  }
  EXPECT_EQ(seen.size(), 8u);
  EXPECT_EQ(pages, 3);
}

TYPED_TEST(StoreTest, ArchivingHidesTheProjectAndRevokesItsKeys) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.create_key(this->key("k1aaaaaaaa", "org_a", "proj_a")));
  auto p = s.archive_project("org_a", "proj_a", 500);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->archived_at, 500);
  EXPECT_TRUE(s.list_projects("org_a", {}, false)->items.empty());
  EXPECT_EQ(s.list_projects("org_a", {}, true)->items.size(), 1u);
  EXPECT_EQ(s.get_key("k1aaaaaaaa")->revoked_at, 500);
}

TYPED_TEST(StoreTest, KeysRoundTripRotateRevokeAndDelete) {
  auto& s = *this->store_;
  const auto k = this->key("k1aaaaaaaa", "org_a", "proj_a");
  ASSERT_TRUE(s.create_key(k));
  auto dup = s.create_key(k);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
  auto got = s.get_key(k.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, k);

  EXPECT_FALSE(s.rotate_key("org_b", k.id, "ff", "ee", "r", 900));  // another organisation's key
  auto rotated = s.rotate_key("org_a", k.id, "11", "22", "sk-sovra-new", 900);
  ASSERT_TRUE(rotated);
  EXPECT_EQ(rotated->salt, "11");
  EXPECT_EQ(rotated->hash, "22");
  EXPECT_EQ(rotated->prev_salt, k.salt);
  EXPECT_EQ(rotated->prev_hash, k.hash);
  EXPECT_EQ(rotated->prev_valid_until, 900);

  EXPECT_EQ(s.revoke_key("org_b", k.id, 5).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(s.get_key(k.id)->revoked_at, 0);
  ASSERT_TRUE(s.revoke_key("org_a", k.id, 5));
  EXPECT_EQ(s.get_key(k.id)->revoked_at, 5);

  EXPECT_EQ(s.delete_key("org_b", k.id).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(s.delete_key("org_a", k.id));
  EXPECT_EQ(s.get_key(k.id).error().code, ErrorCode::kNotFound);
}

TYPED_TEST(StoreTest, KeyListingsSeparateProjectsAndAdminKeys) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.create_key(this->key("k1aaaaaaaa", "org_a", "proj_a")));
  ASSERT_TRUE(s.create_key(this->key("k2aaaaaaaa", "org_a", "", KeyKind::kAdmin)));
  ASSERT_TRUE(s.create_key(this->key("k3aaaaaaaa", "org_b", "proj_b")));
  auto project = s.list_keys("org_a", "proj_a", KeyKind::kProject, {});
  ASSERT_TRUE(project);
  ASSERT_EQ(project->items.size(), 1u);
  EXPECT_EQ(project->items[0].id, "k1aaaaaaaa");
  auto admin = s.list_keys("org_a", "", KeyKind::kAdmin, {});
  ASSERT_EQ(admin->items.size(), 1u);
  EXPECT_EQ(admin->items[0].id, "k2aaaaaaaa");
  EXPECT_TRUE(s.list_keys("org_b", "proj_a", KeyKind::kProject, {})->items.empty());
  EXPECT_EQ(s.all_keys()->size(), 3u);
}

TYPED_TEST(StoreTest, LastUsedTimesNeverMoveBackwards) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.create_key(this->key("k1aaaaaaaa", "org_a", "proj_a")));
  ASSERT_TRUE(s.touch_keys({{"k1aaaaaaaa", 50}, {"gone0000000", 60}}));
  EXPECT_EQ(s.get_key("k1aaaaaaaa")->last_used_at, 50);
  ASSERT_TRUE(s.touch_keys({{"k1aaaaaaaa", 40}}));
  EXPECT_EQ(s.get_key("k1aaaaaaaa")->last_used_at, 50);
}

TYPED_TEST(StoreTest, DeletingAServiceAccountDeletesItsKeys) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.create_service_account({"svc_1", "org_a", "proj_a", "bot", "member", 5}));
  auto k = this->key("k1aaaaaaaa", "org_a", "proj_a");
  k.owner_type = "service_account";
  k.owner_id = "svc_1";
  ASSERT_TRUE(s.create_key(k));
  EXPECT_EQ(s.get_service_account("org_b", "proj_a", "svc_1").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(s.list_service_accounts("org_a", "proj_a", {})->items.size(), 1u);
  EXPECT_FALSE(s.delete_service_account("org_b", "proj_a", "svc_1"));
  ASSERT_TRUE(s.delete_service_account("org_a", "proj_a", "svc_1"));
  EXPECT_EQ(s.get_key("k1aaaaaaaa").error().code, ErrorCode::kNotFound);
}

TYPED_TEST(StoreTest, UsersAreUniquePerOrganizationAndScoped) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.create_user({"user_1", "org_a", "x@example.com", "X", "owner", 1}));
  auto dup = s.create_user({"user_2", "org_a", "x@example.com", "X", "member", 1});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
  EXPECT_TRUE(s.create_user({"user_3", "org_b", "x@example.com", "X", "member", 1}));
  EXPECT_EQ(s.set_user_role("org_a", "user_1", "auditor")->role, "auditor");
  EXPECT_FALSE(s.set_user_role("org_b", "user_1", "owner"));
  EXPECT_EQ(s.get_user("org_a", "user_1")->role, "auditor");
  EXPECT_EQ(s.list_users("org_a", {})->items.size(), 1u);
  EXPECT_FALSE(s.delete_user("org_b", "user_1"));
  EXPECT_TRUE(s.delete_user("org_a", "user_1"));
}

TYPED_TEST(StoreTest, InvitesAreScoped) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.create_invite({"invite-1", "org_a", "y@example.com", "member", "pending", 1, 2}));
  EXPECT_TRUE(s.get_invite("org_a", "invite-1"));
  EXPECT_FALSE(s.get_invite("org_b", "invite-1"));
  EXPECT_TRUE(s.list_invites("org_b", {})->items.empty());
  EXPECT_FALSE(s.delete_invite("org_b", "invite-1"));
  EXPECT_TRUE(s.delete_invite("org_a", "invite-1"));
}

TYPED_TEST(StoreTest, KeyChangesReachAnotherProcessesListener) {
  // A second Store on the same database stands for another process (another replica, or `sovra admin`).
  // Declared before the store so that they outlive its listener thread.
  std::mutex mu;
  std::set<std::string> seen;
  std::atomic<int> full_reloads{0};
  auto other = this->backend_.open();
  ASSERT_TRUE(other) << other.error().message;
  ASSERT_TRUE((*other)->on_key_change([&](std::string_view id) {
    if (id.empty()) {
      ++full_reloads;
      return;
    }
    std::lock_guard lock(mu);
    seen.insert(std::string(id));
  }));
  ASSERT_TRUE(sovra::test::eventually([&] { return full_reloads.load() > 0; }));  // the listener is running
  const int before = full_reloads.load();
  ASSERT_TRUE(this->store_->create_key(this->key("k1aaaaaaaa", "org_a", "proj_a")));
  ASSERT_TRUE(this->store_->revoke_key("org_a", "k1aaaaaaaa", 9));
  // PostgreSQL names the key (NOTIFY); SQLite says "anything may have changed" (data_version).
  EXPECT_TRUE(sovra::test::eventually(
      [&] {
        std::lock_guard lock(mu);
        return seen.contains("k1aaaaaaaa") || full_reloads.load() > before;
      },
      std::chrono::seconds(1)));
}

}  // namespace
}  // namespace sovra::store::test
