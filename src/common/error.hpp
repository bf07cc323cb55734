#pragma once
// Error and Result: how every expected failure travels through Sovra.
//
// Contract: functions that can fail on outside input (user requests, files, network, storage) return
// Result<T>. Exceptions never cross a module or thread boundary. An Error carries a stable machine code,
// a message a person can act on, and, for errors that reach an API client, the HTTP status and the
// parameter at fault.
#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace sovra {

enum class ErrorCode {
  kInvalidArgument,   // the caller sent something malformed or out of range
  kNotFound,          // the named thing does not exist
  kMethodNotAllowed,  // the route exists but not for this method
  kPayloadTooLarge,
  kUnsupportedMediaType,
  kRequestTimeout,
  kUnauthenticated,
  kPermissionDenied,
  kRateLimited,
  kConflict,
  kUnavailable,  // a dependency is down or not ready
  kIo,           // file-system or network failure
  kCorruptData,  // a file or message violates its format
  kInternal,     // a bug: should never reach a client without being logged
};

// The stable string form used in logs and in the `code` field of API errors.
const char* error_code_name(ErrorCode code);
// The HTTP status an API returns for this code unless the error overrides it.
int default_http_status(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string param;     // the request field at fault, if any (OpenAI `param`)
  int http_status = 0;   // 0: use default_http_status(code)
  std::string api_code;  // the protocol's `code` ("model_not_found", "invalid_api_key"); empty: error_code_name(code)

  int status() const { return http_status != 0 ? http_status : default_http_status(code); }

  static Error invalid(std::string msg, std::string param = {}) {
    return {ErrorCode::kInvalidArgument, std::move(msg), std::move(param), 0};
  }
  static Error not_found(std::string msg) { return {ErrorCode::kNotFound, std::move(msg), {}, 0}; }
  static Error io(std::string msg) { return {ErrorCode::kIo, std::move(msg), {}, 0}; }
  static Error corrupt(std::string msg) { return {ErrorCode::kCorruptData, std::move(msg), {}, 0}; }
  static Error internal(std::string msg) { return {ErrorCode::kInternal, std::move(msg), {}, 0}; }
  static Error unavailable(std::string msg) { return {ErrorCode::kUnavailable, std::move(msg), {}, 0}; }
};

// Wraps an Error for construction of a failed Result, like std::unexpected.
struct Unexpected {
  Error error;
};
inline Unexpected fail(Error e) { return Unexpected{std::move(e)}; }

// A small std::expected<T, Error> (C++23) that also builds with clang 14 on libstdc++ 12, where <expected> is
// unavailable. Only the operations Sovra needs.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Unexpected u) : v_(std::in_place_index<1>, std::move(u.error)) {}  // NOLINT(google-explicit-constructor)
  Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}             // NOLINT(google-explicit-constructor)

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    assert(!has_value());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!has_value());
    return std::get<1>(std::move(v_));
  }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected u) : err_(std::move(u.error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  Result(Error e) : err_(std::move(e)), ok_(false) {}             // NOLINT(google-explicit-constructor)
  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& {
    assert(!ok_);
    return err_;
  }
  Error&& error() && {
    assert(!ok_);
    return std::move(err_);
  }

 private:
  Error err_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace sovra

// Propagates a failed Result out of the current function: SOVRA_TRY(auto x, parse(...));
#define SOVRA_CONCAT_INNER(a, b) a##b
#define SOVRA_CONCAT(a, b) SOVRA_CONCAT_INNER(a, b)
#define SOVRA_TRY_IMPL(tmp, decl, expr)                   \
  auto tmp = (expr);                                      \
  if (!tmp) return ::sovra::fail(std::move(tmp).error()); \
  decl = std::move(tmp).value()
#define SOVRA_TRY(decl, expr) SOVRA_TRY_IMPL(SOVRA_CONCAT(sovra_try_, __LINE__), decl, expr)
#define SOVRA_CHECK(expr)                                                     \
  do {                                                                        \
    auto sovra_check_ = (expr);                                               \
    if (!sovra_check_) return ::sovra::fail(std::move(sovra_check_).error()); \
  } while (0)
