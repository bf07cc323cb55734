// The content-retention hook: an opted-in project's call keeps its prompt and completion (encrypted) before the
// ticket reports done; other calls get no ticket and keep nothing.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "platform/audit/audit_db.hpp"
#include "platform/audit/content_hook.hpp"

namespace sovra::platform::audit::test {
namespace {

const std::string kKey(64, 'b');

struct Admitted {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Result<gateway::Admission>> admission;
};

gateway::CallInfo call(const std::string& project, bool retain) {
  auto p = std::make_shared<Principal>();
  p->org_id = "org_a";
  p->project_id = project;
  gateway::CallInfo info{.request_id = "req_" + project, .endpoint = "/v1/chat/completions", .principal = p};
  info.retain_content = retain;
  if (retain) info.content_prompt = R"({"messages":[{"role":"user","content":"Capital of Sweden?"}]})";
  return info;
}

std::unique_ptr<gateway::CallTicket> admit(gateway::CallHook& hook, const gateway::CallInfo& info) {
  std::vector<http::Header> headers;
  std::unique_ptr<gateway::CallTicket> ticket;
  bool called = false;
  hook.admit(info, headers, [&](Result<gateway::Admission> a) {
    called = true;
    EXPECT_TRUE(a);
    if (a) ticket = std::move(a->ticket);
  });
  EXPECT_TRUE(called);  // admission never waits: the decision is in CallInfo
  return ticket;
}

template <typename D>
class ContentHookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = db_.skip_reason(); !why.empty()) GTEST_SKIP() << why;
    auto db = db_.open();
    ASSERT_TRUE(db) << db.error().message;
    auto s = ContentStore::open(*db, kKey);
    ASSERT_TRUE(s) << s.error().message;
    store_ = *s;
  }
  D db_;
  std::shared_ptr<ContentStore> store_;
};

TYPED_TEST_SUITE(ContentHookTest, Dbs, DbNames);

TYPED_TEST(ContentHookTest, KeepsAnOptedInCallsContentBeforeDone) {
  ASSERT_TRUE(this->store_->set_retention("org_a", "proj_keep", 7));
  auto hook = make_content_hook(this->store_);
  auto ticket = admit(*hook, call("proj_keep", true));
  ASSERT_NE(ticket, nullptr);
  gateway::CallResult result;
  result.content_completion = R"({"choices":[{"message":{"content":"Stockholm."}}]})";
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  ticket->finish(result, [&] {
    std::lock_guard lock(mu);
    done = true;
    cv.notify_all();
  });
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return done; }));
  }
  auto kept = this->store_->read("org_a", "proj_keep", "req_proj_keep");
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_NE(kept->prompt.find("Capital of Sweden?"), std::string::npos);
  EXPECT_NE(kept->completion.find("Stockholm."), std::string::npos);
  EXPECT_FALSE(this->store_->read("org_b", "proj_keep", "req_proj_keep"));  // another organisation sees nothing
}

TYPED_TEST(ContentHookTest, OtherCallsGetNoTicketAndKeepNothing) {
  auto hook = make_content_hook(this->store_);
  EXPECT_EQ(admit(*hook, call("proj_other", false)), nullptr);
  EXPECT_FALSE(this->store_->read("org_a", "proj_other", "req_proj_other"));
}

}  // namespace
}  // namespace sovra::platform::audit::test
