#pragma once
// A response completed later, from another thread: the minimal asynchronous completion for handlers whose work
// must not run on an I/O thread (store reads and writes, …). The handler hands the work to its owner together
// with a ResponsePromise and returns Response::later(promise); the session suspends that request (not the
// thread) until complete() is called, then writes the response as if the handler had returned it. While it waits,
// the session watches the connection and tells the promise when the client disconnects (on_client_gone).
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "http/message.hpp"

namespace sovra::http {

class ResponsePromise {
 public:
  // Any thread, once; later calls are ignored. The response must not itself be deferred.
  void complete(Response response);

  // Session side, on the connection's strand: takes the response when it is there, or arranges that `wake` is
  // called (from any thread, once) when it arrives and returns nullopt. MUST NOT block.
  std::optional<Response> take(std::function<void()> wake);

  // Handler side, any thread: `cb` runs once when the client disconnects (EOF or a connection error) while the
  // response is still pending, so the work behind it can be cancelled; at once (on the calling thread) when that
  // already happened. Never after complete(). The handler must still complete() the promise. One callback: a
  // later call replaces an earlier one that has not run. `cb` MUST NOT block.
  void on_client_gone(std::function<void()> cb);
  // Session side: the client went away before complete(). Runs the callback (on the calling thread) once.
  void client_gone();

 private:
  std::mutex mu_;
  std::optional<Response> response_;
  std::function<void()> wake_;
  std::function<void()> on_gone_;
  bool completed_ = false;
  bool gone_ = false;
};

}  // namespace sovra::http
