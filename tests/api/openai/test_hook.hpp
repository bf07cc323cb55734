#pragma once
// A gateway::CallHook for handler tests: admits (adding a header) or refuses with a given error and headers, and
// records every admission and every ticket's CallResult. With `hold_finish`, a ticket's finish keeps `done` until
// the test calls release_finish(), like a ledger whose commit is slow: the handler must not write its final byte
// before then.
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "gateway/call.hpp"

namespace sovra::testing {

class TestHook final : public gateway::CallHook {
 public:
  struct Options {
    std::optional<Error> refuse;
    std::vector<http::Header> headers;  // added on admission and on refusal
    bool hold_finish = false;
  };

  explicit TestHook(Options options) : options_(std::move(options)) {}

  const char* name() const override { return "test"; }

  void admit(const gateway::CallInfo& info, std::vector<http::Header>& headers, gateway::AdmitDone done) override {
    for (const auto& h : options_.headers) headers.push_back(h);
    {
      std::lock_guard lock(mu_);
      admitted_.push_back(info);
    }
    if (options_.refuse) {
      done(fail(*options_.refuse));
      return;
    }
    done(gateway::Admission{std::make_unique<Ticket>(this)});
  }

  std::vector<gateway::CallInfo> admitted() const {
    std::lock_guard lock(mu_);
    return admitted_;
  }
  std::vector<gateway::CallResult> finished() const {
    std::lock_guard lock(mu_);
    return finished_;
  }
  // Completes the held finishes; false when none was held.
  bool release_finish() {
    std::vector<std::function<void()>> held;
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
    }
    for (auto& d : held) d();
    return !held.empty();
  }

 private:
  class Ticket final : public gateway::CallTicket {
   public:
    explicit Ticket(TestHook* hook) : hook_(hook) {}
    void finish(const gateway::CallResult& result, std::function<void()> done) override {
      {
        std::lock_guard lock(hook_->mu_);
        hook_->finished_.push_back(result);
        if (hook_->options_.hold_finish) {
          hook_->held_.push_back(std::move(done));
          return;
        }
      }
      done();
    }

   private:
    TestHook* hook_;
  };

  Options options_;
  mutable std::mutex mu_;
  std::vector<gateway::CallInfo> admitted_;
  std::vector<gateway::CallResult> finished_;
  std::vector<std::function<void()>> held_;
};

}  // namespace sovra::testing
