// Status and Result<T>: how every synclog function that can fail reports it. Failures that
// are expected in normal operation (validation, conflicts, 404s) are values, never exceptions;
// exceptions are reserved for broken invariants and never cross a module boundary.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "common/error_code.hpp"

namespace synclog {

// What went wrong, in words a client can act on (the message is sent to it).
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

inline Error make_error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

// Success, or an Error. Cheap to return when OK.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design
  static Status ok_status() { return Status(); }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }
  ErrorCode code() const { return error_.code; }
  const std::string& message() const { return error_.message; }
  // Deliberately drops the status; makes the decision visible at the call site.
  void ignore() const {}

 private:
  Error error_;
  bool ok_ = true;
};

// A value of type T, or an Error.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}    // NOLINT: implicit by design
  Result(Status status) : v_(status.error()) {}    // NOLINT: only for failed statuses

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  Status status() const { return ok() ? Status() : Status(error()); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace synclog

// Returns from the enclosing function when `expr` (a Status or Result) failed.
#define SYNCLOG_RETURN_IF_ERROR(expr)                            \
  do {                                                           \
    if (auto synclog_status_ = (expr); !synclog_status_.ok()) {  \
      return synclog_status_.error();                            \
    }                                                            \
  } while (false)

#define SYNCLOG_CONCAT_INNER_(a, b) a##b
#define SYNCLOG_CONCAT_(a, b) SYNCLOG_CONCAT_INNER_(a, b)
// `lhs = value of expr`, or return its error from the enclosing function.
#define SYNCLOG_ASSIGN_OR_RETURN(lhs, expr) \
  SYNCLOG_ASSIGN_OR_RETURN_IMPL_(SYNCLOG_CONCAT_(synclog_result_, __LINE__), lhs, expr)
#define SYNCLOG_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.error();                   \
  lhs = std::move(tmp).value()
