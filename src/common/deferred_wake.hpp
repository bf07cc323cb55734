#pragma once
// Wake-ups of other threads deferred to the end of a scope on the calling thread. A producer that hands on a burst
// of work wakes each consumer once, with everything already queued, instead of at the first item, which would
// leave the consumer running beside the producer (on the other core) and taking the rest one or two at a time:
//   - the relay of one upstream read holding dozens of SSE chunks wakes each client session once
//     (http::SseChannel, routing::UpstreamBackend);
//   - a finishing call's usage row and audit record wake the ledger writer's thread once (gateway::CallChain,
//     metering::LedgerWriter).
//
//   DeferWakes scope;                                // on the producing thread; scopes nest
//   ... queue under the consumer's lock ...
//   if (!DeferWakes::defer(cv)) cv.notify_one();     // or: if (!DeferWakes::defer(wake)) wake();
//
// When the outermost scope ends, its deferred wakes run on this thread in the order they were deferred; a
// condition variable deferred several times is notified once, at its first place. Inside a scope the producer
// must not wait for a consumer it has deferred the wake of (sinks never block; everything here is callback-driven),
// and a scope ends within the handler that opened it. A deferred condition variable must outlive the scope.
#include <condition_variable>
#include <functional>

namespace sovra {

class DeferWakes {
 public:
  DeferWakes();
  ~DeferWakes();
  DeferWakes(const DeferWakes&) = delete;
  DeferWakes& operator=(const DeferWakes&) = delete;

  // Inside a scope on this thread: takes `wake` (an empty one is dropped) and returns true. Outside: returns false
  // and leaves `wake` as it was, for the caller to run now.
  static bool defer(std::function<void()>& wake);
  // The same for cv.notify_one(), once per distinct condition variable per outermost scope.
  static bool defer(std::condition_variable& cv);
};

}  // namespace sovra
