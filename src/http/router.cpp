#include "http/router.hpp"

#include <array>

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

// Longer paths match no route: patterns have far fewer segments.
constexpr std::size_t kMaxSegments = 16;

// Splits `path` into its non-empty segments; false when it has more than kMaxSegments or a trailing slash (a
// different resource, as with the OpenAI API).
bool split_path(std::string_view path, std::array<std::string_view, kMaxSegments>& out, std::size_t& n) {
  n = 0;
  if (path.size() > 1 && path.back() == '/') return false;
  std::size_t i = 0;
  std::string_view segment;
  while (next_segment(path, i, segment)) {
    if (n == kMaxSegments) return false;
    out[n++] = segment;
  }
  return true;
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  std::vector<Segment> segments;
  std::size_t i = 0;
  std::string_view segment;
  while (next_segment(pattern, i, segment)) {
    if (is_param(segment)) {
      segments.push_back({std::string(segment.substr(1, segment.size() - 2)), true});
    } else {
      segments.push_back({std::string(segment), false});
    }
  }
  patterns_.push_back(std::move(segments));
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
  std::array<std::string_view, kMaxSegments> got;
  std::size_t n = 0;
  const bool splittable = split_path(path, got, n);
  for (std::size_t ri = 0; splittable && ri < routes_.size(); ++ri) {
    const Route& r = routes_[ri];
    const std::vector<Segment>& want = patterns_[ri];
    if (want.size() != n) continue;
    bool same = true;
    for (std::size_t k = 0; k < n && same; ++k) same = want[k].param || want[k].text == got[k];
    if (!same) continue;
    if (r.method == method) {
      result.route = &r;
      result.params.clear();
      for (std::size_t k = 0; k < n; ++k) {
        if (want[k].param) result.params.emplace_back(want[k].text, std::string(got[k]));
      }
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
