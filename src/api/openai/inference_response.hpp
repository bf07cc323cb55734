#pragma once
// The response side of one admitted OpenAI inference call (chat or legacy completion), shared by both handlers:
// turns the protocol sink's frames and ending into exactly one HTTP response, and ends the call through
// CallFlow::end() before its final byte.
//
//   streaming:     the first send() answers 200 text/event-stream (the hooks' headers on it); each send() is one
//                  `data: {…}` frame; finish() → CallFlow::end → [then] the tail frames (usage chunk), `data: [DONE]`
//                  — or, on error, one `data: {"error":{…}}` frame — and the stream closes.
//   non-streaming: finish() → CallFlow::end → [then] the JSON body (200) or the OpenAI error (its status).
//   an error before any frame (the backend refused, or failed before its first delta) is answered as a plain
//   OpenAI error with its status, in both modes.
//
// Contract:
// - send() and finish() come from the backend's sink: never concurrently, any thread; finish() once (later calls
//   are ignored), nothing after it. started() comes from the thread that started the call, possibly after some or
//   all events (a backend may deliver synchronously inside start_*).
// - A client that disconnects (the SSE channel is cancelled, or, before the response is ready, the HTTP session
//   reports it through the promise) makes this call backend.cancel(id) once the id is known; the call still ends
//   through finish() with the usage actually processed, recorded as cancelled.
// - A client that reads so slowly that `queue_events` frames are waiting is treated as gone (the call is
//   cancelled): the backend cannot pause generation, and memory stays bounded.
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/call_flow.hpp"
#include "http/deferred.hpp"
#include "http/sse.hpp"

namespace sovra::api::openai {

struct ResponseOptions {
  bool stream = false;
  std::size_t queue_events = 65536;
  std::chrono::steady_clock::time_point received;  // when the request arrived (openai-processing-ms)
};

// How the call ended, as the protocol sink saw it.
struct CallEnding {
  Usage usage;
  std::optional<Error> error;
  std::string body;                 // non-streaming success: the JSON body
  std::vector<std::string> frames;  // streaming success: JSON frames written before [DONE] (the usage chunk)
};

class InferenceResponse final : public std::enable_shared_from_this<InferenceResponse> {
 public:
  static std::shared_ptr<InferenceResponse> create(PreparedCall call, std::shared_ptr<http::ResponsePromise> promise,
                                                   ResponseOptions options);
  // A backend that dropped its sink without kFinished broke its contract: the client still gets an answer (a 500,
  // or an error frame) and the tickets are finished with an internal error by their destructor.
  ~InferenceResponse();
  InferenceResponse(const InferenceResponse&) = delete;
  InferenceResponse& operator=(const InferenceResponse&) = delete;

  routing::InferenceBackend& backend() const { return *backend_; }
  bool streaming() const { return options_.stream; }

  void started(routing::CallId id);
  void send(const std::string& json);
  void finish(CallEnding ending);

 private:
  InferenceResponse(PreparedCall call, std::shared_ptr<http::ResponsePromise> promise, ResponseOptions options);

  std::shared_ptr<http::SseChannel> channel();  // starts the streamed response on first use
  void push(const std::shared_ptr<http::SseChannel>& channel, std::string frame);
  bool client_gone();  // false when the client was already gone
  void write_ending(CallEnding ending);
  std::vector<http::Header> headers() const;

  PreparedCall call_;  // touched only by finish() (once)
  std::shared_ptr<routing::InferenceBackend> backend_;
  std::shared_ptr<http::ResponsePromise> promise_;
  ResponseOptions options_;

  std::mutex mu_;
  std::shared_ptr<http::SseChannel> channel_;
  std::optional<routing::CallId> id_;
  bool cancel_requested_ = false;  // the client went away (or fell too far behind)
  bool finished_ = false;
  std::string kept_;  // streamed JSON frames, only when the call retains content
};

// The OpenAI error response for `error`, with `headers` added.
http::Response error_with_headers(const Error& error, std::vector<http::Header> headers);

}  // namespace sovra::api::openai
