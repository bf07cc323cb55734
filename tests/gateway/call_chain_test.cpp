#include "gateway/call.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sovra::gateway {
namespace {

struct Log {
  std::vector<std::string> lines;
};

class RecordingTicket final : public CallTicket {
 public:
  RecordingTicket(std::string name, Log* log) : name_(std::move(name)), log_(log) {}
  void finish(const CallResult& result, std::function<void()> done) override {
    log_->lines.push_back(name_ + ".finish " + std::to_string(result.http_status) + " " + result.error_code);
    done();
  }

 private:
  std::string name_;
  Log* log_;
};

// Admits (with a ticket) or refuses; completes `done` at once or later (deferred), like a hook doing I/O.
class TestHook final : public CallHook {
 public:
  TestHook(std::string name, Log* log, bool refuse, bool deferred = false)
      : name_(std::move(name)), log_(log), refuse_(refuse), deferred_(deferred) {}
  const char* name() const override { return name_.c_str(); }
  void admit(const CallInfo& info, std::vector<http::Header>& headers, AdmitDone done) override {
    log_->lines.push_back(name_ + ".admit " + info.model);
    headers.push_back({"x-" + name_, "1"});
    auto complete = [this, done = std::move(done)] {
      if (refuse_) {
        Error e{ErrorCode::kRateLimited, "limit", {}, 429, "rate_limit_exceeded"};
        done(fail(e));
      } else {
        done(Admission{std::make_unique<RecordingTicket>(name_, log_)});
      }
    };
    if (deferred_) pending = complete; else complete();
  }
  std::function<void()> pending;

 private:
  std::string name_;
  Log* log_;
  bool refuse_;
  bool deferred_;
};

TEST(CallChain, AdmitsThroughEveryHookAndFinishesInReverse) {
  Log log;
  CallChain chain;
  chain.add(std::make_shared<TestHook>("a", &log, false));
  chain.add(std::make_shared<TestHook>("b", &log, false));
  std::optional<AdmitOutcome> got;
  chain.admit(CallInfo{.model = "m"}, [&](AdmitOutcome o) { got = std::move(o); });
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->refusal);
  ASSERT_EQ(got->headers.size(), 2u);
  bool done = false;
  CallResult r;
  r.http_status = 200;
  got->tickets.finish(r, [&] { done = true; });
  EXPECT_TRUE(done);
  EXPECT_EQ(log.lines, (std::vector<std::string>{"a.admit m", "b.admit m", "b.finish 200 ", "a.finish 200 "}));
}

TEST(CallChain, RefusalStopsTheChainAndReleasesEarlierTickets) {
  Log log;
  CallChain chain;
  chain.add(std::make_shared<TestHook>("audit", &log, false));
  chain.add(std::make_shared<TestHook>("limit", &log, true));
  chain.add(std::make_shared<TestHook>("never", &log, false));
  std::optional<AdmitOutcome> got;
  chain.admit(CallInfo{.model = "m"}, [&](AdmitOutcome o) { got = std::move(o); });
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->refusal);
  EXPECT_EQ(got->refusal->status(), 429);
  EXPECT_EQ(got->headers.size(), 2u);
  EXPECT_EQ(log.lines, (std::vector<std::string>{"audit.admit m", "limit.admit m",
                                                 "audit.finish 429 rate_limit_exceeded"}));
}

TEST(CallChain, DeferredHookCompletesLater) {
  Log log;
  CallChain chain;
  auto slow = std::make_shared<TestHook>("slow", &log, false, true);
  chain.add(slow);
  std::optional<AdmitOutcome> got;
  chain.admit(CallInfo{.model = "m"}, [&](AdmitOutcome o) { got = std::move(o); });
  EXPECT_FALSE(got);
  ASSERT_TRUE(slow->pending);
  slow->pending();
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->refusal);
}

TEST(CallChain, UnfinishedTicketsAreFinishedOnDestruction) {
  Log log;
  {
    CallChain chain;
    chain.add(std::make_shared<TestHook>("a", &log, false));
    chain.admit(CallInfo{.model = "m"}, [](AdmitOutcome) {});
  }
  EXPECT_EQ(log.lines.back(), "a.finish 500 internal_error");
}

TEST(CallChain, EmptyChainAdmitsAndFinishesAtOnce) {
  CallChain chain;
  std::optional<AdmitOutcome> got;
  chain.admit(CallInfo{}, [&](AdmitOutcome o) { got = std::move(o); });
  ASSERT_TRUE(got);
  bool done = false;
  got->tickets.finish(CallResult{}, [&] { done = true; });
  EXPECT_TRUE(done);
}

}  // namespace
}  // namespace sovra::gateway
