#pragma once
// The one typed configuration tree. Sources, later ones winning: defaults → YAML file → SOVRA_* environment
// variables → command-line flags. Every setting is described once in the schema (config/schema.cpp), which
// drives parsing, environment names, validation messages and redacted printing alike.
#include <cstdint>
#include <string>
#include <vector>

namespace sovra {

struct ModelSpec {
  std::string name;  // the id clients send as `model`
  std::string path;  // a GGUF file
  bool operator==(const ModelSpec&) const = default;
};

struct TlsConfig {
  std::string cert_file;  // PEM certificate chain; TLS is on when both files are set
  std::string key_file;   // PEM private key
};

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free port
  std::int64_t threads = 0;               // I/O threads; 0 = hardware concurrency
  std::int64_t max_connections = 10000;
  std::int64_t max_header_bytes = 16 * 1024;
  std::int64_t max_body_bytes = 16 * 1024 * 1024;
  std::int64_t header_timeout_ms = 10000;  // whole request head must arrive within this (slowloris guard)
  std::int64_t body_timeout_ms = 60000;    // whole body must arrive within this
  std::int64_t idle_timeout_ms = 75000;    // keep-alive connection idle between requests
  std::int64_t write_timeout_ms = 60000;   // a client that reads nothing for this long is dropped
  std::int64_t shutdown_grace_ms = 15000;  // running streams may finish for this long after SIGTERM
  std::int64_t sse_queue_events = 1024;    // per-stream events buffered before back-pressure
  bool debug_routes = false;               // serve /debug/* (echo), for benchmarks and tests
  std::string region;                      // where this process runs (residency), e.g. "se-sto-1"; may be empty
  std::string jurisdiction;                // e.g. "SE"; may be empty
  TlsConfig tls;
};

struct LogConfig {
  std::string level = "info";
  std::string format = "json";
  bool access_log = true;
};

struct AuthConfig {
  std::string admin_key;                    // secret: bootstrap admin key for the admin API
  std::string api_key;                      // secret: bootstrap project API key (also SOVRA_API_KEY)
  bool insecure_no_auth = false;            // let /v1/* requests without a key through (local experiments)
  std::int64_t rotation_grace_s = 86400;    // a rotated key's old secret stays valid this long by default
  std::int64_t invite_lifetime_s = 604800;  // an invite's token can be accepted this long (7 days)
  std::int64_t last_used_flush_ms = 10000;  // how often last-used times are written back
};

struct StoreConfig {
  std::string url;             // secret (may hold a password): empty = SQLite in data_dir; sqlite:PATH; postgres://…
  std::int64_t pool_size = 4;  // PostgreSQL connections (and store threads)
};

// The embedded engine of `sovra serve` (every configured model is loaded at start).
struct EngineConfig {
  std::int64_t memory_budget_mib = 0;       // weights + KV caches + scratch of all models; 0: 80% of physical RAM
  std::int64_t kv_cache_mib = 0;            // KV cache per model; 0: sized from the model (see engine_wiring.hpp)
  std::string kv_cache_type = "f16";        // f16 (half the memory, as llama.cpp) or f32
  std::int64_t context_length = 0;          // tokens per sequence; 0: the model's own (at most 4096)
  std::int64_t max_batched_tokens = 256;    // tokens per engine step (prefill chunks + decodes)
  std::int64_t prefill_group_tokens = 64;   // a second prompt joins a step only within this many prompt tokens
  std::int64_t max_running_sequences = 16;  // sequences decoded together per model
  std::int64_t max_waiting = 256;           // queued requests per model before "overloaded" (503)
  std::int64_t threads = 0;                 // compute threads per model; 0: one per core
};

struct AuditConfig {
  bool enabled = true;                          // record inference calls, admin actions, auth failures, refusals
  std::string signing_key_file;                 // Ed25519 PEM; empty: <data_dir>/audit-signing-key.pem (created 0600)
  std::int64_t checkpoint_every = 1000;         // records between signed checkpoints
  std::int64_t checkpoint_interval_s = 60;      // and at least this often while records arrive
  std::string checkpoint_export_file;           // also append checkpoints here (JSON lines); empty: off
  std::int64_t retention_days = 183;            // purge records older than this (0: keep forever)
  bool wait_for_durable = true;                 // a response's last byte waits for its audit record's commit
  std::string content_key;                      // secret: 64 hex digits, AES-256-GCM key for opt-in content retention
};

// One place a model runs: the local engine (`local` names an entry of Config::models) or an upstream
// OpenAI-compatible server (`base_url`). Exactly one of the two is set.
struct DeploymentSpec {
  std::string name;            // unique deployment name
  std::string model;           // the model name clients send (after alias resolution)
  std::string local;           // local engine model (an entry of `models`)
  std::string base_url;        // upstream, e.g. https://vllm.internal:8000/v1
  std::string api_key;         // secret: sent as "Authorization: Bearer …" to the upstream
  std::string upstream_model;  // the model's name at the upstream; empty: same as `model`
  std::string region;
  std::string jurisdiction;
  std::vector<std::string> zones;
  std::int64_t weight = 1;               // relative share of the load
  std::int64_t max_concurrency = 0;      // requests in flight at most; 0: unlimited
  std::int64_t connect_timeout_ms = 5000;
  std::int64_t first_byte_timeout_ms = 60000;  // request sent → response head
  std::int64_t idle_timeout_ms = 60000;        // gap between two body chunks
  std::int64_t context_length = 0;             // 0: unknown
  std::string ca_file;                         // extra PEM trust anchors for this upstream (private CAs)
  std::string tokenizer;  // GGUF file (model or vocabulary only) to count tokens with when the upstream reports none
  bool operator==(const DeploymentSpec&) const = default;
};

struct AliasSpec {
  std::string name;   // what clients send, e.g. "gpt-4o"
  std::string model;  // the model it stands for
  bool operator==(const AliasSpec&) const = default;
};

struct FallbackSpec {
  std::string model;
  std::vector<std::string> to;  // tried in order when no deployment of `model` can take the call
  bool operator==(const FallbackSpec&) const = default;
};

struct RoutingConfig {
  std::vector<DeploymentSpec> deployments;  // local models without a deployment get one implicitly
  std::vector<AliasSpec> aliases;
  std::vector<FallbackSpec> fallbacks;
  std::string local_region;        // residency labels of the implicit local deployments
  std::string local_jurisdiction;
  std::string local_zones;         // comma-separated, e.g. "EU,EEA"
  bool affinity = true;            // same RouteQuery::affinity_key → same deployment when it is healthy
  std::int64_t health_interval_ms = 5000;     // active checks of upstreams (GET <base_url>/models); 0: off
  std::int64_t breaker_failures = 5;          // consecutive failures that open an upstream's breaker
  std::int64_t breaker_open_ms = 10000;       // open time before one trial call (half-open)
  std::int64_t outlier_min_requests = 10;     // outcomes in the window before ejection is considered
  std::int64_t outlier_failure_percent = 50;  // failure share in the window that ejects a deployment
  std::int64_t outlier_ejection_ms = 30000;   // first ejection; doubles on each repeat
  std::int64_t outlier_max_ejection_percent = 50;  // of a model's deployments, at most this many ejected
  std::int64_t max_retries = 2;               // per call, only before the first byte of the answer
  std::int64_t retry_budget_percent = 20;     // retries at most this share of calls (plus 3 in reserve)
};

struct WorkerConfig {
  std::string secret;  // secret: `sovra worker` requires "Authorization: Bearer <secret>" on /v1/*
};

// Limits for one scope (organisation, project or API key) when the store has no rule for it; 0: no limit.
struct RateLimitDefaults {
  std::int64_t requests_per_minute = 0;
  std::int64_t requests_per_day = 0;
  std::int64_t tokens_per_minute = 0;  // prompt + completion
  std::int64_t tokens_per_day = 0;
  std::int64_t concurrent_requests = 0;
};

struct RateLimitConfig {
  bool enabled = true;
  std::string redis_url;                 // secret (may hold a password): empty = counters in this process
  std::string redis_failure = "open";    // Redis unreachable: "closed" (refuse, 503) or "open" (local counters)
  std::int64_t replicas = 1;             // fail-open: each replica enforces its share, limit / replicas
  std::int64_t redis_timeout_ms = 250;   // connect and command timeout
  std::int64_t redis_connections = 2;    // connections (and threads) to Redis
  RateLimitDefaults organization;
  RateLimitDefaults project;
  RateLimitDefaults key;
};

struct MeteringConfig {
  bool enabled = true;                    // usage ledger, prices, budgets, usage/costs APIs, invoices
  std::string price_file;                 // JSON price book imported at start-up (entries are added, never rewritten)
  std::string default_currency = "EUR";   // billing currency of organisations that chose none
  std::int64_t max_batch = 256;           // usage records per ledger transaction (group commit)
  std::int64_t refresh_ms = 5000;         // how often prices and budgets are re-read (changes by other processes)
};

struct Config {
  ServerConfig server;
  EngineConfig engine;
  LogConfig log;
  AuthConfig auth;
  StoreConfig store;
  AuditConfig audit;
  RateLimitConfig rate_limits;
  MeteringConfig metering;
  std::string data_dir = "./data";
  std::vector<ModelSpec> models;
  RoutingConfig routing;  // deployments (local and upstream), aliases, fallbacks, health; issue #11
  WorkerConfig worker;
};

}  // namespace sovra
