#include "config/schema.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace sovra::config_schema {
namespace {

#define SOVRA_FIELD(path_, member, secret_, help_)                         \
  Field {                                                                  \
    path_, [](Config& c) -> FieldRef { return &c.member; }, secret_, help_ \
  }

const std::array kFields = {
    SOVRA_FIELD("data_dir", data_dir, false, "directory for the database and state files"),
    SOVRA_FIELD("server.listen", server.listen, false, "HOST:PORT to listen on (port 0: any free port)"),
    SOVRA_FIELD("server.threads", server.threads, false, "I/O threads (0: one per core)"),
    SOVRA_FIELD("server.max_connections", server.max_connections, false, "open connections at most"),
    SOVRA_FIELD("server.max_header_bytes", server.max_header_bytes, false, "request head size limit (431 above)"),
    SOVRA_FIELD("server.max_body_bytes", server.max_body_bytes, false, "request body size limit (413 above)"),
    SOVRA_FIELD("server.header_timeout_ms", server.header_timeout_ms, false, "time to receive a request head"),
    SOVRA_FIELD("server.body_timeout_ms", server.body_timeout_ms, false, "time to receive a request body"),
    SOVRA_FIELD("server.idle_timeout_ms", server.idle_timeout_ms, false, "keep-alive idle time between requests"),
    SOVRA_FIELD("server.write_timeout_ms", server.write_timeout_ms, false, "time a client may stall a write"),
    SOVRA_FIELD("server.shutdown_grace_ms", server.shutdown_grace_ms, false, "drain time for streams on SIGTERM"),
    SOVRA_FIELD("server.sse_queue_events", server.sse_queue_events, false, "events buffered per stream"),
    SOVRA_FIELD("server.debug_routes", server.debug_routes, false, "serve /debug/* routes (benchmarks)"),
    SOVRA_FIELD("server.tls.cert_file", server.tls.cert_file, false, "PEM certificate chain (enables TLS)"),
    SOVRA_FIELD("server.tls.key_file", server.tls.key_file, false, "PEM private key"),
    SOVRA_FIELD("log.level", log.level, false, "trace, debug, info, warn, error or off"),
    SOVRA_FIELD("log.format", log.format, false, "json or text"),
    SOVRA_FIELD("log.access_log", log.access_log, false, "one line per request"),
    SOVRA_FIELD("auth.admin_key", auth.admin_key, true, "bootstrap admin API key"),
    SOVRA_FIELD("auth.api_key", auth.api_key, true, "bootstrap project API key"),
    SOVRA_FIELD("auth.insecure_no_auth", auth.insecure_no_auth, false, "let /v1/* requests without a key through"),
    SOVRA_FIELD("auth.rotation_grace_s", auth.rotation_grace_s, false, "default grace period of a rotated key"),
    SOVRA_FIELD("auth.last_used_flush_ms", auth.last_used_flush_ms, false, "write-back interval of last-used times"),
    SOVRA_FIELD("store.url", store.url, true, "empty (SQLite in data_dir), sqlite:PATH or postgres://..."),
    SOVRA_FIELD("store.pool_size", store.pool_size, false, "PostgreSQL connections"),
    SOVRA_FIELD("metering.enabled", metering.enabled, false, "usage ledger, prices, budgets and invoices"),
    SOVRA_FIELD("metering.price_file", metering.price_file, false, "JSON price book imported at start-up"),
    SOVRA_FIELD("metering.default_currency", metering.default_currency, false, "currency of organisations without one"),
    SOVRA_FIELD("metering.max_batch", metering.max_batch, false, "usage records per ledger commit at most"),
    SOVRA_FIELD("metering.refresh_ms", metering.refresh_ms, false, "re-read interval of prices and budgets"),
};

#undef SOVRA_FIELD

}  // namespace

std::span<const Field> fields() { return kFields; }

const Field* find(std::string_view path) {
  for (const auto& f : kFields) {
    if (path == f.path) return &f;
  }
  return nullptr;
}

bool is_section(std::string_view prefix) {
  return std::any_of(kFields.begin(), kFields.end(), [&](const Field& f) {
    std::string_view p = f.path;
    return p.size() > prefix.size() && p.starts_with(prefix) && p[prefix.size()] == '.';
  });
}

std::string env_name(std::string_view path) {
  std::string out = "SOVRA_";
  for (char c : path) out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace sovra::config_schema
