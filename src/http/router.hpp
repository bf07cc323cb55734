#pragma once
// Route table: METHOD + path pattern ("/v1/models/{id}") → handler. Unknown paths give 404, known paths with
// another method give 405 with an Allow header. Patterns are matched segment by segment; `{name}` matches one
// non-empty segment and is passed to the handler as a path parameter.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "http/message.hpp"

namespace sovra::http {

// Contract: a handler runs on an I/O thread and MUST NOT block (no disk or network waits, no model compute);
// long work is handed to its owner and answered through Response::stream. Exceptions are caught by the
// session and turned into a 500, but handlers should return errors as responses themselves.
using Handler = std::function<Response(Request&)>;

struct Route;

// A filter runs before the handlers of every route whose pattern starts with its prefix, in the order filters
// were added (see Router::use). It returns nullopt to let the request through (possibly after annotating it,
// e.g. Request::principal) or a response that ends the request. Same contract as a handler: MUST NOT block.
using Filter = std::function<std::optional<Response>(Request&, const Route&)>;

struct RouteOptions {
  bool json_body = false;  // POST/PUT/PATCH bodies must be application/json (415 otherwise)
  std::string summary;     // one line for /openapi.json
  bool hidden = false;     // left out of /openapi.json
  bool public_route = false;  // authentication filters let it through without credentials (GET /v1/pricing)
  bool project_keys = false;  // a /v1/organization/… route that project API keys may call too (the handler
                              // scopes them to their project: the usage and costs APIs)
};

struct Route {
  std::string method;
  std::string pattern;
  Handler handler;
  RouteOptions options;
};

struct RouteMatch {
  const Route* route = nullptr;  // set on success
  std::vector<std::pair<std::string, std::string>> params;
  std::optional<Error> error;  // 404 or 405 otherwise
  std::string allow;           // for 405: the methods the path accepts
};

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});
  RouteMatch match(std::string_view method, std::string_view path) const;
  // Applies `filter` to routes whose pattern starts with `prefix` ("/v1/"), including routes added later.
  void use(std::string prefix, Filter filter);
  // Runs the route's filters, then (if none answered) its handler.
  Response dispatch(const Route& route, Request& request) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  // A route's pattern split once at add(): matching compares segment counts first, so a request is checked
  // against most routes with one integer comparison instead of a walk over both strings.
  struct Segment {
    std::string text;
    bool param = false;  // `{name}`: matches any one segment; text holds the name
  };
  std::vector<Route> routes_;
  std::vector<std::vector<Segment>> patterns_;  // parallel to routes_
  std::vector<std::pair<std::string, Filter>> filters_;
};

}  // namespace sovra::http
