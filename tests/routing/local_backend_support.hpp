#pragma once
// Helpers of the LocalBackend tests: a model loaded into a registry, and sinks that record a call's events.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/engine_registry.hpp"
#include "routing/local_backend.hpp"

namespace sovra::routing::testing {

inline std::filesystem::path shared_model(const std::string& file) {
  return std::filesystem::path(SOVRA_SHARED_DIR) / "models" / file;
}

// A registry with one model under `name`; the backend for it.
struct LoadedBackend {
  std::unique_ptr<engine::EngineRegistry> registry;
  std::shared_ptr<LocalBackend> backend;
  engine::Engine* engine = nullptr;
};

inline LoadedBackend load_backend(const std::string& file, const std::string& name, std::int32_t max_seq_len = 512) {
  LoadedBackend out;
  out.registry = std::make_unique<engine::EngineRegistry>(4ull << 30);
  const Status st = out.registry->load({.name = name,
                                        .path = shared_model(file),
                                        .options = {.kv_budget_bytes = 16ull << 20,
                                                    .max_num_seqs = 8,
                                                    .max_seq_len = max_seq_len,
                                                    .n_threads = 1}});
  EXPECT_TRUE(st.has_value()) << (st ? "" : st.error().message);
  if (!st) return out;
  auto backends = make_local_backends(*out.registry);
  EXPECT_TRUE(backends.has_value()) << (backends ? "" : backends.error().message);
  if (!backends) return out;
  out.backend = backends->at(name);
  out.engine = out.registry->find(name).get();
  return out;
}

// Records a call's events; wait() blocks until kFinished (deadline).
template <typename Event>
struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Event> events;
  bool finished = false;
  bool event_after_finish = false;
  std::function<void(const Event&)> on_event;  // runs inside the sink (e.g. to cancel)

  std::function<void(Event&&)> sink() {
    return [this](Event&& e) {
      if (on_event) on_event(e);
      std::lock_guard lock(mu);
      if (finished) event_after_finish = true;
      if (e.kind == Event::Kind::kFinished) finished = true;
      events.push_back(std::move(e));
      cv.notify_all();
    };
  }
  bool wait(std::chrono::seconds timeout = std::chrono::seconds(120)) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return finished; });
  }
  const Event& last() {
    std::lock_guard lock(mu);
    return events.back();
  }
};

using ChatRecorder = Recorder<api::ChatEvent>;
using TextRecorder = Recorder<api::TextEvent>;

inline std::map<int, std::string> text_by_choice(const std::vector<api::TextEvent>& events) {
  std::map<int, std::string> out;
  for (const auto& e : events) {
    if (e.kind == api::TextEvent::Kind::kDelta) out[e.delta.index] += e.delta.text;
  }
  return out;
}

inline std::map<int, std::string> content_by_choice(const std::vector<api::ChatEvent>& events) {
  std::map<int, std::string> out;
  for (const auto& e : events) {
    if (e.kind == api::ChatEvent::Kind::kDelta && e.delta.content) out[e.delta.index] += *e.delta.content;
  }
  return out;
}

inline api::ChatRequest user_chat(const std::string& model, const std::string& text) {
  api::ChatRequest r;
  r.model = model;
  api::ChatMessage m;
  m.role = api::Role::kUser;
  m.content = text;
  m.has_content = true;
  r.messages.push_back(std::move(m));
  return r;
}

}  // namespace sovra::routing::testing
