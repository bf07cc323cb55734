#include "common/deferred_notify.hpp"

#include <algorithm>
#include <vector>

namespace sovra {
namespace {

struct Pending {
  int depth = 0;
  std::vector<std::condition_variable*> cvs;
};

Pending& pending() {
  thread_local Pending p;
  return p;
}

}  // namespace

DeferNotifications::DeferNotifications() { ++pending().depth; }

DeferNotifications::~DeferNotifications() {
  Pending& p = pending();
  if (--p.depth > 0) return;
  // A notified consumer may queue work for another one on this thread only through its own scope, so the list
  // is taken before notifying.
  std::vector<std::condition_variable*> cvs;
  cvs.swap(p.cvs);
  for (auto* cv : cvs) cv->notify_one();
  cvs.clear();
  if (p.cvs.empty()) p.cvs.swap(cvs);  // keep the capacity
}

bool DeferNotifications::defer(std::condition_variable& cv) {
  Pending& p = pending();
  if (p.depth == 0) return false;
  if (std::find(p.cvs.begin(), p.cvs.end(), &cv) == p.cvs.end()) p.cvs.push_back(&cv);
  return true;
}

}  // namespace sovra
