#pragma once
// Structured logging. One named Logger per subsystem ("http", "access", "config", …); every line is a JSON
// object (or key=value text for terminals) with ts, level, logger, msg and the given fields.
//
// Contract: never pass secrets or, unless the project opted in, prompt or completion content as fields.
// Loggers are cheap handles and thread-safe; create them once per component (a static is fine).
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "common/error.hpp"

namespace spdlog {
class logger;
}

namespace sovra {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };

struct LogField {
  using Value = std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool>;
  std::string_view key;
  Value value;

  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  template <typename I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  LogField(std::string_view k, I v) : key(k) {
    if constexpr (std::is_signed_v<I>)
      value = static_cast<std::int64_t>(v);
    else
      value = static_cast<std::uint64_t>(v);
  }
};

struct LogOptions {
  std::string level = "info";   // trace, debug, info, warn, error, off
  std::string format = "json";  // json | text
};

// Applies level and format to every logger, present and future. Call once at start-up (safe to call again).
Status configure_logging(const LogOptions& options);
Result<LogLevel> parse_log_level(std::string_view text);

class Logger {
 public:
  explicit Logger(std::string_view subsystem);

  void log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {}) const;
  void trace(std::string_view m, std::initializer_list<LogField> f = {}) const { log(LogLevel::kTrace, m, f); }
  void debug(std::string_view m, std::initializer_list<LogField> f = {}) const { log(LogLevel::kDebug, m, f); }
  void info(std::string_view m, std::initializer_list<LogField> f = {}) const { log(LogLevel::kInfo, m, f); }
  void warn(std::string_view m, std::initializer_list<LogField> f = {}) const { log(LogLevel::kWarn, m, f); }
  void error(std::string_view m, std::initializer_list<LogField> f = {}) const { log(LogLevel::kError, m, f); }
  bool enabled(LogLevel level) const;

 private:
  spdlog::logger* impl_;
};

// Formats one log payload (without ts/level/logger) exactly as the JSON sink writes it; exposed for tests.
std::string format_log_payload_json(std::string_view msg, std::initializer_list<LogField> fields);

}  // namespace sovra
