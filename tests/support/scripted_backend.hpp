#pragma once
// A scripted routing::InferenceBackend and ModelRouter for handler tests (OpenAI, Anthropic, embeddings): plays a
// fixed list of events for each call — at once (synchronously, inside start_*) or step by step when the test calls
// release_next() — and records what it was asked. Tests drive the real handlers and encoders with it; the real
// engine is exercised by the engine and integration tests.
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "routing/backend.hpp"
#include "routing/model_router.hpp"

namespace sovra::testing {

class ScriptedBackend final : public routing::InferenceBackend {
 public:
  // What the next calls play. `manual`: events are delivered only by release_next()/release_all().
  std::vector<api::ChatEvent> chat_script;
  std::vector<api::TextEvent> text_script;
  std::optional<Error> refuse;  // start_* refuses with this
  std::int64_t prompt_tokens = 7;
  bool manual = false;

  // Observations.
  std::vector<api::ChatRequest> chat_requests;
  std::vector<api::TextCompletionRequest> text_requests;
  std::vector<routing::CallId> cancelled;

  Result<routing::CallId> start_chat(api::ChatRequest request, api::ChatSink sink) override {
    std::unique_lock lock(mu_);
    if (refuse) return fail(*refuse);
    chat_requests.push_back(std::move(request));
    const auto id = ++next_id_;
    for (const auto& e : chat_script) pending_chat_.push_back({sink, e});
    if (!manual) {
      lock.unlock();
      release_all();
    }
    return id;
  }

  Result<routing::CallId> start_text(api::TextCompletionRequest request, api::TextSink sink) override {
    std::unique_lock lock(mu_);
    if (refuse) return fail(*refuse);
    text_requests.push_back(std::move(request));
    const auto id = ++next_id_;
    for (const auto& e : text_script) pending_text_.push_back({sink, e});
    if (!manual) {
      lock.unlock();
      release_all();
    }
    return id;
  }

  void cancel(routing::CallId id) override {
    std::lock_guard lock(mu_);
    cancelled.push_back(id);
  }

  Result<routing::TokenCount> count_chat_tokens(const api::ChatRequest&) override {
    return routing::TokenCount{.tokens = prompt_tokens, .exact = true};
  }

  // Thread-safe views of the observations, for tests where another thread (an HTTP server) drives the backend.
  std::size_t cancel_count() {
    std::lock_guard lock(mu_);
    return cancelled.size();
  }
  std::size_t chat_request_count() {
    std::lock_guard lock(mu_);
    return chat_requests.size();
  }

  // Delivers the next pending event (chat first, then text); false when none is left.
  bool release_next() {
    std::unique_lock lock(mu_);
    if (!pending_chat_.empty()) {
      auto [sink, e] = std::move(pending_chat_.front());
      pending_chat_.pop_front();
      lock.unlock();
      sink(std::move(e));
      return true;
    }
    if (!pending_text_.empty()) {
      auto [sink, e] = std::move(pending_text_.front());
      pending_text_.pop_front();
      lock.unlock();
      sink(std::move(e));
      return true;
    }
    return false;
  }
  void release_all() {
    while (release_next()) {
    }
  }

 private:
  std::mutex mu_;
  routing::CallId next_id_ = 0;
  std::deque<std::pair<api::ChatSink, api::ChatEvent>> pending_chat_;
  std::deque<std::pair<api::TextSink, api::TextEvent>> pending_text_;
};

// Routes every known model name to one backend.
class ScriptedRouter final : public routing::ModelRouter {
 public:
  ScriptedRouter(std::shared_ptr<ScriptedBackend> backend, std::vector<std::string> models)
      : backend_(std::move(backend)), models_(std::move(models)) {}

  routing::DeploymentInfo deployment{.name = "scripted", .region = "test-1", .jurisdiction = "SE",
                                     .zones = {"EU"}, .local = true, .context_length = 2048};

  Result<routing::Route> route(const routing::RouteQuery& query) const override {
    for (const auto& m : models_) {
      if (m == query.model) {
        auto d = deployment;
        d.model = m;
        return routing::Route{.backend = backend_, .deployment = d};
      }
    }
    Error e = Error::not_found("The model '" + query.model + "' does not exist");
    e.api_code = "model_not_found";
    return fail(e);
  }

  std::vector<api::ModelInfo> models() const override {
    std::vector<api::ModelInfo> out;
    for (const auto& m : models_) out.push_back(api::ModelInfo{.id = m});
    return out;
  }

 private:
  std::shared_ptr<ScriptedBackend> backend_;
  std::vector<std::string> models_;
};

}  // namespace sovra::testing
