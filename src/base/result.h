#pragma once
// Result<T>: a value or a failed Status. The member names follow std::expected (C++23), which
// GCC 12 lacks in C++20 mode, so switching later is a rename.
//
// Thread safety: a value type, like Status.

#include <cassert>
#include <optional>
#include <utility>

#include "base/status.h"

namespace ferrite {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT

  bool has_value() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  const Status& error() const& { return status_; }
  Status&& error() && { return std::move(status_); }
  template <typename U>
  T value_or(U&& fallback) const& {
    return value_ ? *value_ : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace ferrite
