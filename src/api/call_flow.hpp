#pragma once
// CallFlow: the protocol-independent start of every inference call, shared by the OpenAI and Anthropic handlers
// (chat, completions, messages, embeddings, rerank):
//
//   route (routing::ModelRouter, with the caller's residency constraints) → count prompt tokens (chat) →
//   admission (gateway::CallChain: rate limits, budget, metering, audit)
//
// and the end of every call: finish the admission tickets (release/settle reservations, write the usage record
// durably, append the audit record) BEFORE the response's final byte is sent.
//
// Contract:
// - prepare_*() never blocks the calling (I/O) thread; `done` is called exactly once, from any thread, with
//   either a PreparedCall or a Refusal (the Error in the protocol-neutral form plus response headers, e.g.
//   Retry-After and x-ratelimit-*). A refusal has already been recorded by the hooks that admitted before it.
// - A PreparedCall MUST be ended with end(): after the backend's kFinished event, after a refusal by the backend's
//   start_*(), or when the client went away. end() calls `then` once every hook is done (the ledger committed);
//   only then may the handler write its final bytes ([DONE], message_stop, the JSON body).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/types/chat.hpp"
#include "gateway/call.hpp"
#include "http/message.hpp"
#include "routing/model_router.hpp"

namespace sovra::api {

// What the handler knows about the call before routing.
struct CallSpec {
  std::string endpoint;  // route pattern, e.g. "/v1/chat/completions"
  std::string protocol;  // "openai" | "anthropic"
  std::string model;     // as requested
  bool stream = false;
  std::string user;
  std::int32_t choices = 1;                 // n
  std::optional<std::int64_t> max_tokens;   // per choice; absent: up to the model's context
  std::int64_t prompt_tokens_hint = 0;      // for calls without a chat request (completions, embeddings): counted by the handler
};

struct PreparedCall {
  routing::Route route;
  gateway::CallInfo info;
  gateway::CallTickets tickets;
  std::vector<http::Header> headers;  // from the hooks: add them to the response
};

struct Refusal {
  Error error;
  std::vector<http::Header> headers;
};

using PrepareDone = std::function<void(std::optional<PreparedCall>, std::optional<Refusal>)>;

// Residency constraints for a caller (gateway/residency provides it; absent: none).
using ConstraintsFn = std::function<routing::RoutingConstraints(const platform::Principal*)>;

// A call refused before admission (routing: unknown model, residency; prompt counting), with the residency
// constraints that applied. The audit trail records these (the hooks never saw the call). Must not block.
using PreAdmissionRefusalFn = std::function<void(const http::Request&, const CallSpec&,
                                                 const routing::RoutingConstraints&, const Error&)>;

struct CallFlowOptions {
  std::shared_ptr<const routing::ModelRouter> router;
  std::shared_ptr<const gateway::CallChain> chain;  // may be empty
  ConstraintsFn constraints;                        // may be empty
  PreAdmissionRefusalFn on_refusal;
  // Whether the caller's project keeps prompts and completions (content retention opt-in); may be empty: never.
  std::function<bool(const platform::Principal*)> retain_content;                 // may be empty
};

class CallFlow {
 public:
  explicit CallFlow(CallFlowOptions options);

  // Chat: counts the prompt with backend.count_chat_tokens(request) before admission.
  void prepare_chat(const http::Request& http_request, const ChatRequest& request, CallSpec spec,
                    PrepareDone done) const;
  // Everything else: spec.prompt_tokens_hint is the prompt size admission sees.
  void prepare(const http::Request& http_request, CallSpec spec, PrepareDone done) const;

  // Ends the call: finishes its tickets with `result` (ended is stamped when unset) and calls `then` when done.
  static void end(PreparedCall& call, gateway::CallResult result, std::function<void()> then);

  const routing::ModelRouter& router() const { return *options_.router; }

 private:
  void admit_on(routing::Route route, const http::Request& http_request, CallSpec spec, PrepareDone done) const;
  Result<routing::Route> route_for(const http::Request& http_request, const CallSpec& spec) const;
  void refuse(const http::Request& http_request, const CallSpec& spec, Error error, const PrepareDone& done) const;

  CallFlowOptions options_;
};

}  // namespace sovra::api
