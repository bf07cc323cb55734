#include "api/anthropic/models.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <optional>
#include <string>

#include "api/anthropic/error.hpp"
#include "api/anthropic/fields.hpp"
#include "common/json_escape.hpp"

namespace sovra::api::anthropic {
namespace {

constexpr std::int64_t kDefaultLimit = 20;
constexpr std::int64_t kMaxLimit = 1000;

void append_string(std::string& out, std::string_view s) {
  out += '"';
  append_json_escaped(out, s);
  out += '"';
}

void append_model(std::string& out, const ModelInfo& m) {
  out += R"({"type":"model","id":)";
  append_string(out, m.id);
  out += R"(,"display_name":)";
  append_string(out, m.id);
  const std::time_t created = static_cast<std::time_t>(std::max<std::int64_t>(m.created, 0));
  out += fmt::format(R"(,"created_at":"{:%Y-%m-%dT%H:%M:%S}Z"}})", fmt::gmtime(created));
}

// The value of `key` in a query string (no percent-decoding: model ids and numbers need none), or nullopt.
std::optional<std::string_view> query_param(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

Result<std::int64_t> parse_limit(const http::Request& request) {
  const auto text = query_param(request.query, "limit");
  if (!text) return kDefaultLimit;
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size()) {
    return fail(field_error("limit", "Input should be a valid integer"));
  }
  if (value < 1 || value > kMaxLimit) {
    return fail(field_error("limit", fmt::format("Input should be between 1 and {}", kMaxLimit)));
  }
  return value;
}

}  // namespace

bool is_anthropic_client(const http::Request& request) { return !request.header("anthropic-version").empty(); }

http::Response model_list_response(const http::Request& request, const std::vector<ModelInfo>& models) {
  auto limit = parse_limit(request);
  if (!limit) return error_response(limit.error(), request.request_id);
  // The page: after `after_id` (forward) or the `limit` entries before `before_id` (backward).
  std::size_t begin = 0;
  std::size_t end = models.size();
  auto index_of = [&](std::string_view id) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < models.size(); ++i)
      if (models[i].id == id) return i;
    return std::nullopt;
  };
  const auto before = query_param(request.query, "before_id");
  const auto after = query_param(request.query, "after_id");
  if (before && !before->empty()) {
    auto i = index_of(*before);
    end = i ? *i : 0;
    begin = end > static_cast<std::size_t>(*limit) ? end - static_cast<std::size_t>(*limit) : 0;
  } else {
    if (after && !after->empty()) {
      auto i = index_of(*after);
      begin = i ? *i + 1 : models.size();
    }
    end = std::min(models.size(), begin + static_cast<std::size_t>(*limit));
  }
  const bool has_more = (before && !before->empty()) ? begin > 0 : end < models.size();
  std::string out = R"({"data":[)";
  for (std::size_t i = begin; i < end; ++i) {
    if (i > begin) out += ',';
    append_model(out, models[i]);
  }
  out += fmt::format(R"(],"has_more":{},"first_id":)", has_more);
  if (begin < end) {
    append_string(out, models[begin].id);
    out += R"(,"last_id":)";
    append_string(out, models[end - 1].id);
  } else {
    out += R"(null,"last_id":null)";
  }
  out += '}';
  auto r = http::Response::json(200, std::move(out));
  r.headers.push_back({"request-id", request.request_id});
  return r;
}

http::Response model_response(const http::Request& request, const std::vector<ModelInfo>& models, std::string_view id) {
  for (const ModelInfo& m : models) {
    if (m.id != id) continue;
    std::string out;
    append_model(out, m);
    auto r = http::Response::json(200, std::move(out));
    r.headers.push_back({"request-id", request.request_id});
    return r;
  }
  Error e = Error::not_found(fmt::format("model: {}", id));
  e.api_code = "model_not_found";
  return error_response(e, request.request_id);
}

}  // namespace sovra::api::anthropic
