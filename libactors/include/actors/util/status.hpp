// status and result<T>: errors as values for everything below the actor
// layer (data readers, model specs, checkpoints, configuration).
//
// A status is either ok or carries a code and a human-readable message that
// names the file, line, record or option at fault. result<T> holds either a
// T or a non-ok status. Both are plain values: safe to copy and to move
// between threads.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace actors {

/// Outcome of an operation that can fail, with a message for the user.
class status {
public:
  enum class code { ok, invalid_argument, io_error, corruption, not_found };

  status() = default;

  static status ok() { return status{}; }
  static status invalid_argument(std::string msg) {
    return status{code::invalid_argument, std::move(msg)};
  }
  static status io_error(std::string msg) {
    return status{code::io_error, std::move(msg)};
  }
  static status corruption(std::string msg) {
    return status{code::corruption, std::move(msg)};
  }
  static status not_found(std::string msg) {
    return status{code::not_found, std::move(msg)};
  }

  bool is_ok() const { return code_ == code::ok; }
  explicit operator bool() const { return is_ok(); }
  code error_code() const { return code_; }
  const std::string& message() const { return message_; }

private:
  status(code c, std::string msg) : code_(c), message_(std::move(msg)) {}
  code code_ = code::ok;
  std::string message_;
};

/// Either a value or the status that explains why there is none.
template <class T>
class result {
public:
  result(T value) : data_(std::move(value)) {}
  result(status err) : data_(std::move(err)) {}

  bool has_value() const { return data_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// The error; only valid when has_value() is false.
  const status& error() const { return std::get<1>(data_); }

private:
  std::variant<T, status> data_;
};

} // namespace actors
