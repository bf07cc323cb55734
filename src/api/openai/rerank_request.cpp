#include "api/openai/rerank_request.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "api/openai/fields.hpp"
#include "common/json_escape.hpp"

namespace sovra::api::openai {

Result<ParsedRerankRequest> parse_rerank_request(const boost::json::value& body) {
  if (!body.is_object()) {
    return fail(Error::invalid(fmt::format("The request body must be a JSON object, but got {}.", json_kind(body))));
  }
  const Fields fields(body.get_object(), "");
  ParsedRerankRequest out;
  auto& r = out.request;
  SOVRA_TRY(std::string_view model, fields.required_string("model"));
  r.model = model;
  SOVRA_TRY(std::string_view query, fields.required_string("query"));
  if (query.empty()) return fail(Error::invalid("Invalid 'query': it must not be empty.", "query"));
  r.query = query;
  out.text_bytes += static_cast<std::int64_t>(query.size());
  SOVRA_TRY(const boost::json::array* docs, fields.array("documents"));
  if (docs == nullptr) return fail(Error::invalid("Missing required parameter: 'documents'.", "documents"));
  if (docs->empty()) return fail(Error::invalid("Invalid 'documents': empty array.", "documents"));
  if (docs->size() > kMaxRerankDocuments) {
    return fail(Error::invalid(fmt::format("Invalid 'documents': at most {} documents are allowed, got {}.",
                                           kMaxRerankDocuments, docs->size()),
                               "documents"));
  }
  for (std::size_t i = 0; i < docs->size(); ++i) {
    const auto& d = (*docs)[i];
    const std::string path = fmt::format("documents[{}]", i);
    if (d.is_string()) {
      r.documents.emplace_back(d.get_string());
    } else if (d.is_object()) {
      SOVRA_TRY(std::string_view text, Fields(d.get_object(), path).required_string("text"));
      r.documents.emplace_back(text);
    } else {
      return fail(type_error(path, "a string or an object with a 'text' string", d));
    }
    out.text_bytes += static_cast<std::int64_t>(r.documents.back().size());
  }
  SOVRA_TRY(auto top_n, fields.integer("top_n", 1, INT32_MAX));
  if (top_n) r.top_n = static_cast<std::int32_t>(*top_n);
  SOVRA_TRY(auto return_documents, fields.boolean("return_documents"));
  r.return_documents = return_documents.value_or(false);
  return out;
}

std::string encode_rerank_response(const RerankRequest& request, const RerankResult& result, std::string_view id) {
  std::vector<std::size_t> order(result.scores.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return result.scores[a] > result.scores[b]; });
  if (request.top_n && static_cast<std::size_t>(*request.top_n) < order.size()) {
    order.resize(static_cast<std::size_t>(*request.top_n));
  }
  std::string out = R"({"id":")";
  append_json_escaped(out, id);
  out += R"(","model":")";
  append_json_escaped(out, request.model);
  out += R"(","results":[)";
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t i = order[k];
    const float s = std::isfinite(result.scores[i]) ? result.scores[i] : 0.0f;
    fmt::format_to(std::back_inserter(out), R"({}{{"index":{},"relevance_score":{})", k ? "," : "", i, s);
    if (request.return_documents && i < request.documents.size()) {
      out += R"(,"document":{"text":")";
      append_json_escaped(out, request.documents[i]);
      out += R"("})";
    }
    out += '}';
  }
  fmt::format_to(std::back_inserter(out), R"(],"usage":{{"prompt_tokens":{},"total_tokens":{}}}}})",
                 result.prompt_tokens, result.prompt_tokens);
  return out;
}

}  // namespace sovra::api::openai
