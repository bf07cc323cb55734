#include "api/openai/embedding_routes.hpp"

#include <utility>

#include "api/openai/embeddings_request.hpp"
#include "api/openai/error.hpp"
#include "api/openai/rerank_request.hpp"
#include "common/json.hpp"
#include "http/deferred.hpp"

namespace sovra::api::openai {
namespace {

http::Response with_headers(http::Response r, const std::vector<http::Header>& headers) {
  r.headers.insert(r.headers.end(), headers.begin(), headers.end());
  return r;
}

// Runs `start(call, finish)` on an admitted call; `finish(result, response)` ends the call and then completes the
// promise. Refusals before the backend answer at once.
template <typename Start>
http::Response deferred_call(const CallFlow& flow, const http::Request& request, CallSpec spec, Start start) {
  auto promise = std::make_shared<http::ResponsePromise>();
  flow.prepare(request, std::move(spec),
               [promise, start = std::move(start)](std::optional<PreparedCall> call, std::optional<Refusal> refusal) mutable {
                 if (refusal || !call) {
                   Error e = refusal ? refusal->error : Error::internal("call neither admitted nor refused");
                   promise->complete(with_headers(error_response(e), refusal ? refusal->headers : std::vector<http::Header>{}));
                   return;
                 }
                 auto shared = std::make_shared<PreparedCall>(std::move(*call));
                 auto finish = [promise, shared](gateway::CallResult result, http::Response response) {
                   response = with_headers(std::move(response), shared->headers);
                   CallFlow::end(*shared, std::move(result),
                                 [promise, shared, response = std::move(response)]() mutable {
                                   promise->complete(std::move(response));
                                 });
                 };
                 start(*shared, std::move(finish));
               });
  return http::Response::later(promise);
}

// Admission sees bytes / 4 for text, the exact count for token ids; usage reports the backend's count.
std::int64_t estimate(std::int64_t text_bytes, std::int64_t tokens) { return (text_bytes + 3) / 4 + tokens; }

http::Response embeddings(const CallFlow& flow, http::Request& request) {
  auto body = parse_json(request.body);
  if (!body) return error_response(body.error());
  auto parsed = parse_embedding_request(*body);
  if (!parsed) return error_response(parsed.error());
  CallSpec spec{.endpoint = "/v1/embeddings",
                .protocol = "openai",
                .model = parsed->request.model,
                .user = parsed->request.user,
                .max_tokens = 0,
                .prompt_tokens_hint = estimate(parsed->text_bytes, parsed->given_tokens)};
  return deferred_call(flow, request, std::move(spec),
                       [parsed = std::move(*parsed)](PreparedCall& call, auto finish) mutable {
                         const std::string model = parsed.request.model;
                         const EncodingFormat format = parsed.format;
                         call.route.backend->embed(
                             std::move(parsed.request),
                             [model, format, finish = std::move(finish)](Result<EmbeddingResult> r) mutable {
                               if (!r) {
                                 finish(gateway::refusal_result(r.error()), error_response(r.error()));
                                 return;
                               }
                               gateway::CallResult result;
                               result.usage.prompt_tokens = r->prompt_tokens;
                               finish(std::move(result),
                                      http::Response::json(200, encode_embedding_response(*r, model, format)));
                             });
                       });
}

http::Response rerank(const CallFlow& flow, http::Request& request, const std::string& endpoint) {
  auto body = parse_json(request.body);
  if (!body) return error_response(body.error());
  auto parsed = parse_rerank_request(*body);
  if (!parsed) return error_response(parsed.error());
  CallSpec spec{.endpoint = endpoint,
                .protocol = "openai",
                .model = parsed->request.model,
                .max_tokens = 0,
                .prompt_tokens_hint = estimate(parsed->text_bytes, 0)};
  const std::string id = "rerank-" + request.request_id;
  return deferred_call(flow, request, std::move(spec),
                       [rr = std::move(parsed->request), id](PreparedCall& call, auto finish) mutable {
                         auto shared_request = std::make_shared<RerankRequest>(rr);
                         call.route.backend->rerank(
                             std::move(rr), [shared_request, id, finish = std::move(finish)](Result<RerankResult> r) mutable {
                               if (!r) {
                                 finish(gateway::refusal_result(r.error()), error_response(r.error()));
                                 return;
                               }
                               gateway::CallResult result;
                               result.usage.prompt_tokens = r->prompt_tokens;
                               finish(std::move(result),
                                      http::Response::json(200, encode_rerank_response(*shared_request, *r, id)));
                             });
                       });
}

}  // namespace

void add_embedding_routes(http::Router& router, std::shared_ptr<const CallFlow> flow) {
  router.add("POST", "/v1/embeddings", [flow](http::Request& r) { return embeddings(*flow, r); },
             {.summary = "Create embeddings (OpenAI)"});
  for (const char* path : {"/v1/rerank", "/rerank", "/v2/rerank"}) {
    router.add("POST", path, [flow, endpoint = std::string(path)](http::Request& r) { return rerank(*flow, r, endpoint); },
               {.summary = "Rerank documents for a query (Cohere/Jina shape)"});
  }
}

}  // namespace sovra::api::openai
