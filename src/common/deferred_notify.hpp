#pragma once
// Condition-variable notifications deferred to the end of a scope on the calling thread: a burst of queued work
// (a finishing call's usage row and audit record, both for the ledger writer's thread) wakes its consumer once,
// with everything already queued, instead of waking it at the first item and leaving the rest for another round.
//
//   DeferNotifications scope;                       // on the producing thread; scopes nest
//   ... queue under the consumer's lock ...
//   if (!DeferNotifications::defer(cv)) cv.notify_one();
//
// The outermost scope's destructor calls notify_one() once per distinct condition variable. A condition variable
// deferred to a scope must outlive that scope.
#include <condition_variable>

namespace sovra {

class DeferNotifications {
 public:
  DeferNotifications();
  ~DeferNotifications();
  DeferNotifications(const DeferNotifications&) = delete;
  DeferNotifications& operator=(const DeferNotifications&) = delete;

  // Inside a scope on this thread: remembers `cv` (once) and returns true. Outside: false (notify now).
  static bool defer(std::condition_variable& cv);
};

}  // namespace sovra
