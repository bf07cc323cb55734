#pragma once
// Internal to src/http: one coroutine per accepted connection.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http/server_state.hpp"

namespace sovra::http {

boost::asio::awaitable<void> run_session(ServerState& server, boost::asio::ip::tcp::socket socket);
// Answers 503 and closes: used when max_connections is reached.
boost::asio::awaitable<void> reject_session(ServerState& server, boost::asio::ip::tcp::socket socket);

}  // namespace sovra::http
