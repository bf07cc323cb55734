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
  std::int64_t last_used_flush_ms = 10000;  // how often last-used times are written back
};

struct StoreConfig {
  std::string url;             // secret (may hold a password): empty = SQLite in data_dir; sqlite:PATH; postgres://…
  std::int64_t pool_size = 4;  // PostgreSQL connections (and store threads)
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
  LogConfig log;
  AuthConfig auth;
  StoreConfig store;
  MeteringConfig metering;
  std::string data_dir = "./data";
  std::vector<ModelSpec> models;
};

}  // namespace sovra
