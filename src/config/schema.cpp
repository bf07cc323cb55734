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
    SOVRA_FIELD("server.region", server.region, false, "region of this process (data residency)"),
    SOVRA_FIELD("server.jurisdiction", server.jurisdiction, false, "jurisdiction of this process, e.g. SE"),
    SOVRA_FIELD("engine.memory_budget_mib", engine.memory_budget_mib, false, "memory for all models (0: 80% of RAM)"),
    SOVRA_FIELD("engine.kv_cache_mib", engine.kv_cache_mib, false, "KV cache per model (0: sized from the model)"),
    SOVRA_FIELD("engine.kv_cache_type", engine.kv_cache_type, false, "f16 (half the memory) or f32"),
    SOVRA_FIELD("engine.context_length", engine.context_length, false, "tokens per sequence (0: the model's)"),
    SOVRA_FIELD("engine.max_batched_tokens", engine.max_batched_tokens, false, "tokens per engine step"),
    SOVRA_FIELD("engine.prefill_group_tokens", engine.prefill_group_tokens, false,
                "prompt tokens a step shares among several prompts (0: no limit)"),
    SOVRA_FIELD("engine.max_running_sequences", engine.max_running_sequences, false, "sequences decoded together"),
    SOVRA_FIELD("engine.max_waiting", engine.max_waiting, false, "queued requests per model before 503"),
    SOVRA_FIELD("engine.threads", engine.threads, false, "compute threads per model (0: one per core)"),
    SOVRA_FIELD("log.level", log.level, false, "trace, debug, info, warn, error or off"),
    SOVRA_FIELD("log.format", log.format, false, "json or text"),
    SOVRA_FIELD("log.access_log", log.access_log, false, "one line per request"),
    SOVRA_FIELD("auth.admin_key", auth.admin_key, true, "bootstrap admin API key"),
    SOVRA_FIELD("auth.api_key", auth.api_key, true, "bootstrap project API key"),
    SOVRA_FIELD("auth.insecure_no_auth", auth.insecure_no_auth, false, "let /v1/* requests without a key through"),
    SOVRA_FIELD("auth.rotation_grace_s", auth.rotation_grace_s, false, "default grace period of a rotated key"),
    SOVRA_FIELD("auth.invite_lifetime_s", auth.invite_lifetime_s, false, "how long an invite can be accepted"),
    SOVRA_FIELD("auth.last_used_flush_ms", auth.last_used_flush_ms, false, "write-back interval of last-used times"),
    SOVRA_FIELD("store.url", store.url, true, "empty (SQLite in data_dir), sqlite:PATH or postgres://..."),
    SOVRA_FIELD("store.pool_size", store.pool_size, false, "PostgreSQL connections"),
    SOVRA_FIELD("audit.enabled", audit.enabled, false, "keep the tamper-evident audit trail"),
    SOVRA_FIELD("audit.signing_key_file", audit.signing_key_file, false, "Ed25519 checkpoint signing key (PEM)"),
    SOVRA_FIELD("audit.checkpoint_every", audit.checkpoint_every, false, "records between signed checkpoints"),
    SOVRA_FIELD("audit.checkpoint_interval_s", audit.checkpoint_interval_s, false, "seconds between checkpoints"),
    SOVRA_FIELD("audit.checkpoint_export_file", audit.checkpoint_export_file, false, "also append checkpoints here"),
    SOVRA_FIELD("audit.retention_days", audit.retention_days, false, "purge audit records older than this (0: never)"),
    SOVRA_FIELD("audit.wait_for_durable", audit.wait_for_durable, false, "last byte waits for the audit commit"),
    SOVRA_FIELD("audit.content_key", audit.content_key, true, "AES-256 key (hex) for opt-in content retention"),
    SOVRA_FIELD("worker.secret", worker.secret, true, "shared secret gateways present to `sovra worker`"),
    SOVRA_FIELD("routing.local_region", routing.local_region, false, "region label of the local engine"),
    SOVRA_FIELD("routing.local_jurisdiction", routing.local_jurisdiction, false, "jurisdiction of the local engine"),
    SOVRA_FIELD("routing.local_zones", routing.local_zones, false, "zones of the local engine (comma-separated)"),
    SOVRA_FIELD("routing.affinity", routing.affinity, false, "same conversation prefix -> same deployment"),
    SOVRA_FIELD("routing.health_interval_ms", routing.health_interval_ms, false, "active upstream checks (0: off)"),
    SOVRA_FIELD("routing.breaker_failures", routing.breaker_failures, false, "consecutive failures opening a breaker"),
    SOVRA_FIELD("routing.breaker_open_ms", routing.breaker_open_ms, false, "breaker open time before a trial call"),
    SOVRA_FIELD("routing.outlier_min_requests", routing.outlier_min_requests, false, "outcomes before ejection"),
    SOVRA_FIELD("routing.outlier_failure_percent", routing.outlier_failure_percent, false, "failure share ejecting"),
    SOVRA_FIELD("routing.outlier_ejection_ms", routing.outlier_ejection_ms, false, "first ejection time (doubles)"),
    SOVRA_FIELD("routing.outlier_max_ejection_percent", routing.outlier_max_ejection_percent, false,
                "most of a model's deployments ejected at once"),
    SOVRA_FIELD("routing.max_retries", routing.max_retries, false, "retries per call before its first byte"),
    SOVRA_FIELD("routing.retry_budget_percent", routing.retry_budget_percent, false, "retries as a share of calls"),
    SOVRA_FIELD("rate_limits.enabled", rate_limits.enabled, false, "enforce rate limits"),
    SOVRA_FIELD("rate_limits.redis_url", rate_limits.redis_url, true,
                "redis://[:password@]host:port[/db]; empty: in-process"),
    SOVRA_FIELD("rate_limits.redis_failure", rate_limits.redis_failure, false, "Redis unreachable: open or closed"),
    SOVRA_FIELD("rate_limits.replicas", rate_limits.replicas, false, "gateway replicas (fail-open share)"),
    SOVRA_FIELD("rate_limits.redis_timeout_ms", rate_limits.redis_timeout_ms, false, "Redis connect/command timeout"),
    SOVRA_FIELD("rate_limits.redis_connections", rate_limits.redis_connections, false, "Redis connections"),
    SOVRA_FIELD("rate_limits.organization.requests_per_minute", rate_limits.organization.requests_per_minute, false,
                "default RPM per organization (0: none)"),
    SOVRA_FIELD("rate_limits.organization.requests_per_day", rate_limits.organization.requests_per_day, false,
                "default RPD per organization (0: none)"),
    SOVRA_FIELD("rate_limits.organization.tokens_per_minute", rate_limits.organization.tokens_per_minute, false,
                "default TPM per organization (0: none)"),
    SOVRA_FIELD("rate_limits.organization.tokens_per_day", rate_limits.organization.tokens_per_day, false,
                "default TPD per organization (0: none)"),
    SOVRA_FIELD("rate_limits.organization.concurrent_requests", rate_limits.organization.concurrent_requests, false,
                "default concurrent requests per organization (0: none)"),
    SOVRA_FIELD("rate_limits.project.requests_per_minute", rate_limits.project.requests_per_minute, false,
                "default RPM per project (0: none)"),
    SOVRA_FIELD("rate_limits.project.requests_per_day", rate_limits.project.requests_per_day, false,
                "default RPD per project (0: none)"),
    SOVRA_FIELD("rate_limits.project.tokens_per_minute", rate_limits.project.tokens_per_minute, false,
                "default TPM per project (0: none)"),
    SOVRA_FIELD("rate_limits.project.tokens_per_day", rate_limits.project.tokens_per_day, false,
                "default TPD per project (0: none)"),
    SOVRA_FIELD("rate_limits.project.concurrent_requests", rate_limits.project.concurrent_requests, false,
                "default concurrent requests per project (0: none)"),
    SOVRA_FIELD("rate_limits.key.requests_per_minute", rate_limits.key.requests_per_minute, false,
                "default RPM per key (0: none)"),
    SOVRA_FIELD("rate_limits.key.requests_per_day", rate_limits.key.requests_per_day, false,
                "default RPD per key (0: none)"),
    SOVRA_FIELD("rate_limits.key.tokens_per_minute", rate_limits.key.tokens_per_minute, false,
                "default TPM per key (0: none)"),
    SOVRA_FIELD("rate_limits.key.tokens_per_day", rate_limits.key.tokens_per_day, false,
                "default TPD per key (0: none)"),
    SOVRA_FIELD("rate_limits.key.concurrent_requests", rate_limits.key.concurrent_requests, false,
                "default concurrent requests per key (0: none)"),
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
