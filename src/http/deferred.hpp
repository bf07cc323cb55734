#pragma once
// A response completed later, from another thread: the minimal asynchronous completion for handlers whose work
// must not run on an I/O thread (store reads and writes, …). The handler hands the work to its owner together
// with a ResponsePromise and returns Response::later(promise); the session suspends that request (not the
// thread) until complete() is called, then writes the response as if the handler had returned it.
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

 private:
  std::mutex mu_;
  std::optional<Response> response_;
  std::function<void()> wake_;
  bool completed_ = false;
};

}  // namespace sovra::http
