#include "common/deferred_wake.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace sovra {
namespace {

struct Wake {
  std::function<void()> fn;
  std::condition_variable* cv = nullptr;  // set instead of fn
};

struct Pending {
  int depth = 0;
  std::vector<Wake> wakes;
};

Pending& pending() {
  thread_local Pending p;
  return p;
}

}  // namespace

DeferWakes::DeferWakes() { ++pending().depth; }

DeferWakes::~DeferWakes() {
  Pending& p = pending();
  if (--p.depth > 0) return;
  // Taken before running: a wake that defers more on this thread does so in a scope of its own (or runs it now,
  // outside any), never into the list being run.
  std::vector<Wake> wakes;
  wakes.swap(p.wakes);
  for (Wake& w : wakes) {
    if (w.cv != nullptr) {
      w.cv->notify_one();
    } else {
      w.fn();
    }
  }
  wakes.clear();
  if (p.wakes.empty()) p.wakes.swap(wakes);  // keep the capacity
}

bool DeferWakes::defer(std::function<void()>& wake) {
  Pending& p = pending();
  if (p.depth == 0) return false;
  if (wake) p.wakes.push_back({std::exchange(wake, nullptr), nullptr});
  return true;
}

bool DeferWakes::defer(std::condition_variable& cv) {
  Pending& p = pending();
  if (p.depth == 0) return false;
  const bool known = std::any_of(p.wakes.begin(), p.wakes.end(), [&](const Wake& w) { return w.cv == &cv; });
  if (!known) p.wakes.push_back({nullptr, &cv});
  return true;
}

}  // namespace sovra
