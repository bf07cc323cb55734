#include "http/io_thread.hpp"

#include "http/server_state.hpp"

namespace sovra::http {

namespace {
thread_local ServerState* t_state = nullptr;
}

IoThreadScope::IoThreadScope(ServerState& state) : previous_(t_state) { t_state = &state; }
IoThreadScope::~IoThreadScope() { t_state = previous_; }

boost::asio::io_context* current_io_context() { return t_state != nullptr ? &t_state->ioc : nullptr; }

bool at_io_stop(std::function<void()> f) {
  if (t_state == nullptr) return false;
  std::lock_guard lock(t_state->mu);
  t_state->at_stop.push_back(std::move(f));
  return true;
}

void ServerState::run_stop_hooks() {
  std::vector<std::function<void()>> pending;
  {
    std::lock_guard lock(mu);
    pending.swap(at_stop);
  }
  for (auto& f : pending) f();
}

}  // namespace sovra::http
