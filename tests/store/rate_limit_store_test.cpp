// Rate-limit rules in the store, on SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "store/store_backends.hpp"
#include "support/eventually.hpp"

namespace sovra::store::test {
namespace {

template <typename B>
class RateLimitStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = backend_.skip_reason(); !why.empty()) GTEST_SKIP() << why;
    auto s = backend_.open();
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    ASSERT_TRUE(store_->create_organization({"org_a", "A", 1}));
    ASSERT_TRUE(store_->create_organization({"org_b", "B", 2}));
    ASSERT_TRUE(store_->create_project({"proj_a", "org_a", "pa", 10, 0}));
  }

  static RateLimitRecord rule(std::string org, std::string project, std::string key, std::string model,
                              std::int64_t rpm) {
    RateLimitRecord r;
    r.id = "rl-" + model;
    r.org_id = std::move(org);
    r.project_id = std::move(project);
    r.key_id = std::move(key);
    r.model = std::move(model);
    r.requests_per_minute = rpm;
    r.tokens_per_day = rpm * 1000;
    r.concurrent_requests = 3;
    r.updated_at = 42;
    return r;
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
TYPED_TEST_SUITE(RateLimitStoreTest, Backends, BackendNames);

TYPED_TEST(RateLimitStoreTest, PutGetListReplaceDeletePerScope) {
  auto& s = *this->store_;
  const auto org = this->rule("org_a", "", "", "*", 100);
  const auto proj = this->rule("org_a", "proj_a", "", "*", 50);
  const auto proj_m = this->rule("org_a", "proj_a", "", "m1", 5);
  const auto key = this->rule("org_a", "proj_a", "k1", "*", 7);
  for (const auto& r : {org, proj, proj_m, key}) ASSERT_TRUE(s.put_rate_limit(r));

  auto got = s.get_rate_limit("org_a", "proj_a", "", "rl-m1");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, proj_m);
  auto page = s.list_rate_limits("org_a", "proj_a", "", {});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 2u);  // the project's own rules, not the org's or the key's
  EXPECT_EQ(page->items[0].id, "rl-*");
  EXPECT_EQ(page->items[1].id, "rl-m1");
  auto org_page = s.list_rate_limits("org_a", "", "", {});
  ASSERT_TRUE(org_page);
  ASSERT_EQ(org_page->items.size(), 1u);
  EXPECT_EQ(org_page->items[0], org);

  auto replaced = proj;
  replaced.requests_per_minute = 60;
  ASSERT_TRUE(s.put_rate_limit(replaced));
  EXPECT_EQ(s.get_rate_limit("org_a", "proj_a", "", "rl-*")->requests_per_minute, 60);

  auto all = s.all_rate_limits();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 4u);

  ASSERT_TRUE(s.delete_rate_limit("org_a", "proj_a", "", "rl-m1"));
  EXPECT_EQ(s.get_rate_limit("org_a", "proj_a", "", "rl-m1").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(s.delete_rate_limit("org_a", "proj_a", "", "rl-m1").error().code, ErrorCode::kNotFound);
}

TYPED_TEST(RateLimitStoreTest, AnotherOrganizationSeesNothing) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.put_rate_limit(this->rule("org_a", "proj_a", "", "*", 50)));
  EXPECT_EQ(s.get_rate_limit("org_b", "proj_a", "", "rl-*").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(s.list_rate_limits("org_b", "proj_a", "", {})->items.empty());
  EXPECT_EQ(s.delete_rate_limit("org_b", "proj_a", "", "rl-*").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(s.get_rate_limit("org_a", "proj_a", "", "rl-*"));
}

TYPED_TEST(RateLimitStoreTest, ChangesNotifyThisAndOtherProcesses) {
  // The counters are shared with the listeners, not borrowed from this frame: a listener thread may still call
  // back after the test body returned (the fixture's store lives until TearDown; a late ++ on this frame's dead
  // stack ended a ThreadSanitizer run with "stack smashing detected").
  auto here = std::make_shared<std::atomic<int>>(0);
  auto there = std::make_shared<std::atomic<int>>(0);
  auto other = this->backend_.open();
  ASSERT_TRUE(other) << other.error().message;
  ASSERT_TRUE(this->store_->on_rate_limit_change([here] { ++*here; }));
  ASSERT_TRUE((*other)->on_rate_limit_change([there] { ++*there; }));
  const int here_before = here->load();
  const int there_before = there->load();
  ASSERT_TRUE(this->store_->put_rate_limit(this->rule("org_a", "proj_a", "", "*", 50)));
  EXPECT_GT(here->load(), here_before);  // this process: at once, after commit
  EXPECT_TRUE(sovra::test::eventually([&] { return there->load() > there_before; }));
}

}  // namespace
}  // namespace sovra::store::test
