#include "platform/audit/content_hook.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "common/logging.hpp"

namespace sovra::platform::audit {
namespace {

// One thread doing the blocking ContentStore writes in order; drains its queue before it is destroyed.
class Writer {
 public:
  Writer() : thread_([this] { run(); }) {}
  ~Writer() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void post(std::function<void()> job) {
    {
      std::lock_guard lock(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and nothing left
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

class ContentTicket final : public gateway::CallTicket {
 public:
  ContentTicket(std::shared_ptr<ContentStore> content, std::shared_ptr<Writer> writer, KeptContent kept)
      : content_(std::move(content)), writer_(std::move(writer)), kept_(std::move(kept)) {}

  void finish(const gateway::CallResult& result, std::function<void()> done) override {
    kept_.completion = result.content_completion;
    const std::int64_t now = unix_seconds(result.ended == std::chrono::system_clock::time_point{}
                                              ? std::chrono::system_clock::now()
                                              : result.ended);
    writer_->post([content = content_, kept = std::move(kept_), now, done = std::move(done)]() mutable {
      if (auto kept_ok = content->keep(std::move(kept), now); !kept_ok) {
        static const Logger log("audit");
        log.error("keeping a call's content failed", {{"error", kept_ok.error().message}});
      }
      done();
    });
  }

 private:
  std::shared_ptr<ContentStore> content_;
  std::shared_ptr<Writer> writer_;
  KeptContent kept_;
};

class ContentHook final : public gateway::CallHook {
 public:
  explicit ContentHook(std::shared_ptr<ContentStore> content)
      : content_(std::move(content)), writer_(std::make_shared<Writer>()) {}

  const char* name() const override { return "content_retention"; }

  void admit(const gateway::CallInfo& info, std::vector<http::Header>&, gateway::AdmitDone done) override {
    if (!info.retain_content || !info.principal) {
      done(gateway::Admission{});
      return;
    }
    KeptContent kept{.org_id = info.principal->org_id,
                     .project_id = info.principal->project_id,
                     .request_id = info.request_id,
                     .prompt = info.content_prompt};
    done(gateway::Admission{std::make_unique<ContentTicket>(content_, writer_, std::move(kept))});
  }

 private:
  std::shared_ptr<ContentStore> content_;
  std::shared_ptr<Writer> writer_;
};

}  // namespace

std::shared_ptr<gateway::CallHook> make_content_hook(std::shared_ptr<ContentStore> content) {
  return std::make_shared<ContentHook>(std::move(content));
}

}  // namespace sovra::platform::audit
