#include "common/logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>

#include "common/json_escape.hpp"

namespace sovra {
namespace {

std::atomic<bool> g_json{true};
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::mutex g_mutex;

spdlog::level::level_enum to_spdlog(LogLevel l) {
  switch (l) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

const char* kJsonPattern = R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"%n",%v})";
const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%fZ %-5l [%n] %v";

std::shared_ptr<spdlog::sinks::sink>& shared_sink() {
  // One stderr sink for all loggers: stdout belongs to CLI output.
  static std::shared_ptr<spdlog::sinks::sink> sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  return sink;
}

void apply(spdlog::logger& logger) {
  logger.set_level(to_spdlog(static_cast<LogLevel>(g_level.load())));
  logger.set_pattern(g_json.load() ? kJsonPattern : kTextPattern, spdlog::pattern_time_type::utc);
}

spdlog::logger* get_or_create(std::string_view name) {
  std::lock_guard lock(g_mutex);
  std::string key(name);
  if (auto existing = spdlog::get(key)) return existing.get();
  auto logger = std::make_shared<spdlog::logger>(key, shared_sink());
  apply(*logger);
  spdlog::register_logger(logger);
  return logger.get();  // the registry keeps it alive until exit
}

void append_value(std::string& out, const LogField::Value& v, bool json) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          if (json) {
            out += '"';
            append_json_escaped(out, x);
            out += '"';
          } else {
            append_json_escaped(out, x);
          }
        } else if constexpr (std::is_same_v<T, bool>) {
          out += x ? "true" : "false";
        } else {
          out += fmt::format("{}", x);
        }
      },
      v);
}

std::string format_text(std::string_view msg, std::initializer_list<LogField> fields) {
  std::string out;
  append_json_escaped(out, msg);
  for (const auto& f : fields) {
    out += ' ';
    out += f.key;
    out += '=';
    append_value(out, f.value, false);
  }
  return out;
}

}  // namespace

std::string format_log_payload_json(std::string_view msg, std::initializer_list<LogField> fields) {
  std::string out = "\"msg\":\"";
  append_json_escaped(out, msg);
  out += '"';
  for (const auto& f : fields) {
    out += ",\"";
    append_json_escaped(out, f.key);
    out += "\":";
    append_value(out, f.value, true);
  }
  return out;
}

Result<LogLevel> parse_log_level(std::string_view t) {
  if (t == "trace") return LogLevel::kTrace;
  if (t == "debug") return LogLevel::kDebug;
  if (t == "info") return LogLevel::kInfo;
  if (t == "warn" || t == "warning") return LogLevel::kWarn;
  if (t == "error") return LogLevel::kError;
  if (t == "off") return LogLevel::kOff;
  return Error::invalid("unknown log level '" + std::string(t) + "' (expected trace, debug, info, warn, error or off)");
}

Status configure_logging(const LogOptions& options) {
  SOVRA_TRY(LogLevel level, parse_log_level(options.level));
  if (options.format != "json" && options.format != "text") {
    return Error::invalid("unknown log format '" + options.format + "' (expected json or text)");
  }
  g_level = static_cast<int>(level);
  g_json = options.format == "json";
  std::lock_guard lock(g_mutex);
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { apply(*l); });
  return {};
}

Logger::Logger(std::string_view subsystem) : impl_(get_or_create(subsystem)) {}

bool Logger::enabled(LogLevel level) const { return impl_->should_log(to_spdlog(level)); }

void Logger::log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) const {
  auto lvl = to_spdlog(level);
  if (!impl_->should_log(lvl)) return;
  std::string payload = g_json.load() ? format_log_payload_json(msg, fields) : format_text(msg, fields);
  impl_->log(lvl, "{}", payload);
}

}  // namespace sovra
