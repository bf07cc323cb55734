#include "api/call_flow.hpp"

#include <algorithm>
#include <utility>

namespace sovra::api {
namespace {

std::shared_ptr<const platform::Principal> principal_ptr(const http::Request& request) {
  if (!request.principal) return nullptr;
  return std::static_pointer_cast<const platform::Principal>(request.principal);
}

// The most the call may generate: choices × max_tokens, or × what the context leaves when max_tokens is absent.
std::int64_t worst_case_output(const CallSpec& spec, const routing::DeploymentInfo& deployment) {
  std::int64_t per_choice = 0;
  if (spec.max_tokens) {
    per_choice = *spec.max_tokens;
  } else if (deployment.context_length > 0) {
    per_choice = std::max<std::int64_t>(deployment.context_length - spec.prompt_tokens_hint, 0);
  }
  return per_choice * std::max<std::int32_t>(spec.choices, 1);
}

}  // namespace

CallFlow::CallFlow(CallFlowOptions options) : options_(std::move(options)) {}

Result<routing::Route> CallFlow::route_for(const http::Request& http_request, const CallSpec& spec) const {
  routing::RouteQuery query{.model = spec.model, .endpoint = spec.endpoint};
  if (options_.constraints) query.constraints = options_.constraints(principal_ptr(http_request).get());
  return options_.router->route(query);
}

void CallFlow::refuse(const http::Request& http_request, const CallSpec& spec, Error error,
                      const PrepareDone& done) const {
  if (options_.on_refusal) {
    routing::RoutingConstraints constraints;
    if (options_.constraints) constraints = options_.constraints(principal_ptr(http_request).get());
    options_.on_refusal(http_request, spec, constraints, error);
  }
  done(std::nullopt, Refusal{std::move(error), {}});
}

void CallFlow::prepare(const http::Request& http_request, CallSpec spec, PrepareDone done) const {
  auto route = route_for(http_request, spec);
  if (!route) {
    refuse(http_request, spec, route.error(), done);
    return;
  }
  admit_on(std::move(*route), http_request, std::move(spec), std::move(done));
}

void CallFlow::prepare_chat(const http::Request& http_request, const ChatRequest& request, CallSpec spec,
                            PrepareDone done) const {
  auto route = route_for(http_request, spec);
  if (!route) {
    refuse(http_request, spec, route.error(), done);
    return;
  }
  auto count = route->backend->count_chat_tokens(request);
  if (!count) {
    refuse(http_request, spec, count.error(), done);
    return;
  }
  spec.prompt_tokens_hint = count->tokens;
  admit_on(std::move(*route), http_request, std::move(spec), std::move(done));
}

void CallFlow::admit_on(routing::Route route, const http::Request& http_request, CallSpec spec,
                        PrepareDone done) const {
  gateway::CallInfo info{
      .request_id = http_request.request_id,
      .endpoint = spec.endpoint,
      .protocol = spec.protocol,
      .principal = principal_ptr(http_request),
      .model = spec.model,
      .deployment = route.deployment,
      .prompt_tokens = spec.prompt_tokens_hint,
      .max_output_tokens = worst_case_output(spec, route.deployment),
      .stream = spec.stream,
      .user = spec.user,
      .started = std::chrono::system_clock::now(),
  };
  if (options_.retain_content && options_.retain_content(info.principal.get())) {
    info.retain_content = true;
    info.content_prompt = http_request.body;
  }
  auto admitted = [route = std::move(route), info, done = std::move(done)](gateway::AdmitOutcome outcome) mutable {
    if (outcome.refusal) {
      done(std::nullopt, Refusal{std::move(*outcome.refusal), std::move(outcome.headers)});
      return;
    }
    done(PreparedCall{.route = std::move(route),
                      .info = std::move(info),
                      .tickets = std::move(outcome.tickets),
                      .headers = std::move(outcome.headers)},
         std::nullopt);
  };
  if (!options_.chain || options_.chain->empty()) {
    admitted(gateway::AdmitOutcome{});
    return;
  }
  options_.chain->admit(info, std::move(admitted));
}

void CallFlow::end(PreparedCall& call, gateway::CallResult result, std::function<void()> then) {
  if (result.ended == std::chrono::system_clock::time_point{}) result.ended = std::chrono::system_clock::now();
  call.tickets.finish(result, std::move(then));
}

}  // namespace sovra::api
