#pragma once
// The tail every serving mode shares: create the HTTP server on the configured address, print the bootstrap keys
// and the "listening on" line (tests and scripts read it to learn the port), run until a signal. Returns the
// process exit code: 2 for a configuration error, 1 when the address cannot be bound, 0 after a clean stop.
#include <memory>

#include "app/platform_wiring.hpp"
#include "common/logging.hpp"
#include "config/config.hpp"
#include "http/router.hpp"

namespace sovra::app {

int run_server(const Config& config, std::shared_ptr<http::Router> router, const Platform& platform, const Logger& log);
// The same without a tenancy platform (`sovra worker`): no bootstrap keys to print.
int run_server(const Config& config, std::shared_ptr<http::Router> router, const Logger& log);

}  // namespace sovra::app
