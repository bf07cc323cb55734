#include "http/parse.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <random>

namespace sovra::http {

namespace bhttp = boost::beast::http;

bool is_acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string new_request_id() {
  // 96 random bits from a per-thread generator seeded once: unique enough for correlating logs, not a secret.
  thread_local std::mt19937_64 rng([] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^
           static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "req_";
  const std::uint64_t a = rng();
  const std::uint64_t b = rng();
  for (int i = 0; i < 16; ++i) id += kHex[(a >> (i * 4)) & 0xF];
  for (int i = 0; i < 8; ++i) id += kHex[(b >> (i * 4)) & 0xF];
  return id;
}

void split_target(std::string_view target, std::string& path, std::string& query) {
  const auto q = target.find('?');
  path.assign(target.substr(0, q));
  query.assign(q == std::string_view::npos ? std::string_view{} : target.substr(q + 1));
}

Result<Request> parse_request(std::string_view raw, const ParseLimits& limits) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(std::min<std::uint64_t>(limits.max_header_bytes, UINT32_MAX)));
  parser.body_limit(limits.max_body_bytes);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (used < raw.size() && !parser.is_done()) {
    const std::size_t n = parser.put(boost::asio::buffer(raw.data() + used, raw.size() - used), ec);
    if (ec == bhttp::error::need_more) {
      ec = {};
      break;
    }
    if (ec) break;
    if (n == 0) break;
    used += n;
  }
  if (ec == bhttp::error::header_limit) {
    return Error{ErrorCode::kInvalidArgument, "Request header fields too large", {}, 431};
  }
  if (ec == bhttp::error::body_limit) {
    return Error{ErrorCode::kPayloadTooLarge, "Request body too large", {}, 413};
  }
  if (ec) return Error::invalid("Malformed HTTP request: " + ec.message());
  if (!parser.is_done()) {
    if (!parser.got_some()) return Error::invalid("Empty HTTP request");
    // A message whose end is marked by closing the connection is complete at end of input.
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return Error::invalid("Incomplete HTTP request");
  }
  auto& msg = parser.get();
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  req.version = static_cast<int>(msg.version());
  split_target(req.target, req.path, req.query);
  for (const auto& f : msg) req.headers.push_back({std::string(f.name_string()), std::string(f.value())});
  req.body = std::move(msg.body());
  return req;
}

}  // namespace sovra::http
