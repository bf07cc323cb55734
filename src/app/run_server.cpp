#include "app/run_server.hpp"

#include <iostream>

#include "api/openai/error.hpp"
#include "http/server.hpp"

namespace sovra::app {

namespace {

int run(const Config& config, std::shared_ptr<http::Router> router, const Platform* platform, const Logger& log) {
  auto server =
      http::Server::create(config.server, std::move(router),
                           {.render_error = api::openai::error_response, .access_log = config.log.access_log});
  if (!server) {
    std::cerr << "sovra: " << server.error().message << "\n";
    return 2;
  }
  auto bound = (*server)->start();
  if (!bound) {
    log.error("cannot listen", {{"error", bound.error().message}});
    std::cerr << "sovra: " << bound.error().message << "\n";
    return 1;
  }
  const bool tls = (*server)->tls_enabled();
  const std::string host = bound->host.find(':') != std::string::npos ? "[" + bound->host + "]" : bound->host;
  if (platform != nullptr) print_bootstrap_keys(platform->bootstrap_result());
  log.info("listening", {{"address", bound->host}, {"port", bound->port}, {"tls", tls}});
  // Tests and scripts read this line to learn the port when --listen asks for port 0.
  std::cout << "sovra: listening on " << (tls ? "https://" : "http://") << host << ":" << bound->port << std::endl;
  (*server)->run(/*handle_signals=*/true);
  log.info("stopped");
  return 0;
}

}  // namespace

int run_server(const Config& config, std::shared_ptr<http::Router> router, const Platform& platform,
               const Logger& log) {
  return run(config, std::move(router), &platform, log);
}

int run_server(const Config& config, std::shared_ptr<http::Router> router, const Logger& log) {
  return run(config, std::move(router), nullptr, log);
}

}  // namespace sovra::app
