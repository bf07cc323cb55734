#pragma once
// The gateway's per-call hooks: everything that must happen around one inference call — rate limits and budgets
// (admission, then settlement), the usage ledger, the audit trail — without the API handlers knowing any of them.
//
// Flow of one call (api/openai and api/anthropic handlers do this, through CallChain):
//   parse + validate → route (routing::ModelRouter) → count prompt tokens → chain.admit(info)
//     refused → the refusal's Error goes to the client (with the headers the hooks added, e.g. Retry-After)
//     admitted → backend.start_*(…) → stream → when the call ends (success, error, cancel, client gone):
//                tickets.finish(result, done) — the final byte of the response is sent only after `done`
//                (the usage record is durable by then).
//
// Contract for a CallHook:
// - admit() is asynchronous: it calls `done` exactly once, from any thread, with a ticket (may be null when the
//   hook has nothing to do at the end) or with the Error that refuses the call (http_status 429, 403, 402, …,
//   api_code as the protocol expects, e.g. "rate_limit_exceeded", "insufficient_quota"). It may add response
//   headers (x-ratelimit-*, Retry-After) in both cases. It must not block an I/O thread (hand blocking work to
//   its own thread/pool).
// - A ticket's finish() is called exactly once, from any thread, with the call's result; it calls `done` once
//   its work that the response must wait for is complete (the ledger commit); it must not block the caller.
// - When a later hook refuses, the tickets of the earlier hooks are finished with that refusal as the result
//   (status, error code, zero usage), so reservations are released and the refusal is audited.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/types/completion.hpp"
#include "common/error.hpp"
#include "http/message.hpp"
#include "platform/principal.hpp"
#include "routing/model_router.hpp"

namespace sovra::gateway {

// What is known about a call before it starts.
struct CallInfo {
  std::string request_id;
  std::string endpoint;  // route pattern: "/v1/chat/completions", "/v1/messages", "/v1/embeddings", …
  std::string protocol;  // "openai" or "anthropic"
  std::shared_ptr<const platform::Principal> principal;  // null only with --insecure-no-auth and no key
  std::string model;                    // as requested
  routing::DeploymentInfo deployment;   // where it was routed
  std::int64_t prompt_tokens = 0;       // counted (exact for the local engine) or estimated
  std::int64_t max_output_tokens = 0;   // worst case the call may generate: choices × max_tokens (0: none, e.g. embeddings)
  bool stream = false;
  std::string user;  // the request's `user` / metadata.user_id field
  std::chrono::system_clock::time_point started;
  // The caller's project opted in to content retention (platform/audit/content_store.hpp): the handler records
  // the completion in CallResult::content_completion, and `content_prompt` holds the request body. Both stay
  // empty otherwise (zero data retention by default).
  bool retain_content = false;
  std::string content_prompt;
};

// How it ended.
struct CallResult {
  int http_status = 200;
  std::string error_code;  // empty on success; else the api_code sent to the client ("rate_limit_exceeded", …)
  bool cancelled = false;  // the client went away or cancelled
  api::Usage usage;        // what was actually processed (also for cancelled and failed calls)
  double audio_seconds = 0;
  std::int64_t pages = 0;
  std::chrono::system_clock::time_point ended;
  std::string content_completion;  // only when CallInfo::retain_content: the answer as the handler sent it
};

class CallTicket {
 public:
  virtual ~CallTicket() = default;
  virtual void finish(const CallResult& result, std::function<void()> done) = 0;
};

struct Admission {
  std::unique_ptr<CallTicket> ticket;  // may be null
};

using AdmitDone = std::function<void(Result<Admission>)>;

class CallHook {
 public:
  virtual ~CallHook() = default;
  virtual const char* name() const = 0;  // for logs and metrics: "rate_limit", "budget", "metering", "audit"
  // `headers` outlives the call to done; hooks append to it (only before calling done).
  virtual void admit(const CallInfo& info, std::vector<http::Header>& headers, AdmitDone done) = 0;
};

// The tickets of one admitted call, finished together (in reverse order of admission).
class CallTickets {
 public:
  CallTickets() = default;
  explicit CallTickets(std::vector<std::unique_ptr<CallTicket>> tickets) : tickets_(std::move(tickets)) {}
  CallTickets(CallTickets&&) = default;
  CallTickets& operator=(CallTickets&&) = default;
  ~CallTickets();  // unfinished tickets are finished with an internal-error result (a bug path), never leaked

  // Calls every ticket's finish; `done` runs once all of them called theirs. Once only.
  void finish(const CallResult& result, std::function<void()> done);

 private:
  std::vector<std::unique_ptr<CallTicket>> tickets_;
  bool finished_ = false;
};

struct AdmitOutcome {
  std::vector<http::Header> headers;  // to add to the response (also on refusal)
  std::optional<Error> refusal;       // set when refused
  CallTickets tickets;                // admitted: finish them when the call ends
};

// The ordered hooks; shared by all handlers. add() only during start-up (not thread-safe with admit()).
class CallChain {
 public:
  void add(std::shared_ptr<CallHook> hook);
  bool empty() const { return hooks_.empty(); }

  // Runs the hooks in order; stops at the first refusal. `done` is called once, from any thread.
  void admit(const CallInfo& info, std::function<void(AdmitOutcome)> done) const;

 private:
  std::vector<std::shared_ptr<CallHook>> hooks_;
};

// A CallResult for a refusal by `error` (used by the chain and by handlers refusing before admission).
CallResult refusal_result(const Error& error);

}  // namespace sovra::gateway
