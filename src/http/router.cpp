#include "http/router.hpp"

namespace sovra::http {
namespace {

// The next non-empty segment of `s` at or after `i`; false at the end. No allocation: matching runs for every
// route on every request.
bool next_segment(std::string_view s, std::size_t& i, std::string_view& segment) {
  while (i < s.size() && s[i] == '/') ++i;
  if (i >= s.size()) return false;
  auto j = s.find('/', i);
  if (j == std::string_view::npos) j = s.size();
  segment = s.substr(i, j - i);
  i = j;
  return true;
}

bool is_param(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

bool match_pattern(std::string_view pattern, std::string_view path,
                   std::vector<std::pair<std::string, std::string>>* params) {
  // A trailing slash is a different resource (as with the OpenAI API).
  if (path.size() > 1 && path.back() == '/') return false;
  std::size_t pi = 0;
  std::size_t qi = 0;
  std::string_view want;
  std::string_view got;
  while (true) {
    const bool has_want = next_segment(pattern, pi, want);
    const bool has_got = next_segment(path, qi, got);
    if (has_want != has_got) return false;
    if (!has_want) return true;
    if (is_param(want)) {
      if (params != nullptr) params->emplace_back(std::string(want.substr(1, want.size() - 2)), std::string(got));
      continue;
    }
    if (want != got) return false;
  }
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  routes_.push_back({std::move(method), std::move(pattern), std::move(handler), std::move(options)});
}

void Router::use(std::string prefix, Filter filter) { filters_.emplace_back(std::move(prefix), std::move(filter)); }

Response Router::dispatch(const Route& route, Request& request) const {
  for (const auto& [prefix, filter] : filters_) {
    if (!route.pattern.starts_with(prefix)) continue;
    if (auto answered = filter(request, route)) return std::move(*answered);
  }
  return route.handler(request);
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  RouteMatch result;
  for (const auto& r : routes_) {
    if (!match_pattern(r.pattern, path, nullptr)) continue;
    if (r.method == method) {
      result.route = &r;
      result.params.clear();
      match_pattern(r.pattern, path, &result.params);
      result.allow.clear();
      return result;
    }
    if (result.allow.find(r.method) == std::string::npos) {
      result.allow += result.allow.empty() ? r.method : ", " + r.method;
    }
  }
  if (!result.allow.empty()) {
    result.error = Error{ErrorCode::kMethodNotAllowed,
                         "Method " + std::string(method) + " is not allowed for " + std::string(path) +
                             " (allowed: " + result.allow + ")",
                         {},
                         405};
  } else {
    result.error =
        Error{ErrorCode::kNotFound, "Unknown route: " + std::string(method) + " " + std::string(path), {}, 404};
  }
  return result;
}

}  // namespace sovra::http
