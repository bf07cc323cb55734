#pragma once
// The OpenAI inference routes wired as `sovra serve` wires them (install_openai_inference), over a scripted
// backend that serves the model "stories" and a chain of test hooks.
#include <memory>
#include <string>
#include <string_view>

#include "api/openai/handler_driver.hpp"
#include "api/openai/inference_routes.hpp"
#include "api/openai/test_hook.hpp"
#include "support/scripted_backend.hpp"

namespace sovra::testing {

struct HandlerWorld {
  std::shared_ptr<ScriptedBackend> backend = std::make_shared<ScriptedBackend>();
  std::shared_ptr<TestHook> first_hook;  // an always-admitting hook before `hook`, when asked for
  std::shared_ptr<TestHook> hook;
  http::Router router;

  explicit HandlerWorld(TestHook::Options options = {.headers = {{"x-ratelimit-remaining-requests", "9"}}},
                        bool with_admitting_hook = false, std::size_t queue_events = 65536) {
    auto chain = std::make_shared<gateway::CallChain>();
    if (with_admitting_hook) {
      first_hook = std::make_shared<TestHook>(TestHook::Options{});
      chain->add(first_hook);
    }
    hook = std::make_shared<TestHook>(std::move(options));
    chain->add(hook);
    api::openai::install_openai_inference(
        router, {.router = std::make_shared<ScriptedRouter>(backend, std::vector<std::string>{"stories"}),
                 .chain = chain,
                 .options = {.stream_queue_events = queue_events}});
  }

  static std::string header(const http::Response& r, std::string_view name) {
    for (const auto& h : r.headers) {
      if (http::iequals(h.name, name)) return h.value;
    }
    return {};
  }
};

}  // namespace sovra::testing
