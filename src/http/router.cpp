#include "http/router.hpp"

namespace sovra::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const auto j = path.find('/', i);
    const auto end = j == std::string_view::npos ? path.size() : j;
    parts.push_back(path.substr(i, end - i));
    i = end;
  }
  return parts;
}

bool match_pattern(std::string_view pattern, std::string_view path,
                   std::vector<std::pair<std::string, std::string>>* params) {
  const auto want = split_path(pattern);
  const auto got = split_path(path);
  if (want.size() != got.size()) return false;
  // A trailing slash is a different resource (as with the OpenAI API).
  if (path.size() > 1 && path.back() == '/') return false;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() >= 2 && want[i].front() == '{' && want[i].back() == '}') {
      if (params != nullptr)
        params->emplace_back(std::string(want[i].substr(1, want[i].size() - 2)), std::string(got[i]));
      continue;
    }
    if (want[i] != got[i]) return false;
  }
  return true;
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
    std::vector<std::pair<std::string, std::string>> params;
    if (!match_pattern(r.pattern, path, &params)) continue;
    if (r.method == method) {
      result.route = &r;
      result.params = std::move(params);
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
