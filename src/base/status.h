#pragma once
// Status: the outcome of an operation that can fail, without exceptions.
//
// An OK Status holds no message and costs one byte to return; a failure carries a code and a
// heap-allocated message (leveldb's model). `kPending` is an outcome, not an error: the storage
// engine returns it when a record must first be read from disk.
//
// Thread safety: a Status is a value; distinct objects may be used from distinct threads.

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace ferrite {

enum class StatusCode : unsigned char {
  kOk = 0,
  kNotFound,
  kPending,
  kWrongType,
  kOutOfMemory,
  kNoSpace,
  kIoError,
  kCorruption,
  kInvalidArgument,
  kAborted,
  kUnavailable,
};

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;
  Status(StatusCode code, std::string_view message)
      : code_(code),
        message_(code == StatusCode::kOk || message.empty()
                     ? nullptr
                     : std::make_unique<std::string>(message)) {}
  Status(const Status& other)
      : code_(other.code_),
        message_(other.message_ ? std::make_unique<std::string>(*other.message_) : nullptr) {}
  Status& operator=(const Status& other) {
    if (this != &other) *this = Status(other);
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() noexcept { return Status(); }
  static Status NotFound(std::string_view m = {}) { return {StatusCode::kNotFound, m}; }
  static Status Pending() { return {StatusCode::kPending, {}}; }
  static Status WrongType(std::string_view m = {}) { return {StatusCode::kWrongType, m}; }
  static Status OutOfMemory(std::string_view m = {}) { return {StatusCode::kOutOfMemory, m}; }
  static Status NoSpace(std::string_view m = {}) { return {StatusCode::kNoSpace, m}; }
  static Status IoError(std::string_view m = {}) { return {StatusCode::kIoError, m}; }
  static Status Corruption(std::string_view m = {}) { return {StatusCode::kCorruption, m}; }
  static Status InvalidArgument(std::string_view m = {}) {
    return {StatusCode::kInvalidArgument, m};
  }
  static Status Aborted(std::string_view m = {}) { return {StatusCode::kAborted, m}; }
  static Status Unavailable(std::string_view m = {}) { return {StatusCode::kUnavailable, m}; }

  bool ok() const noexcept { return code_ == StatusCode::kOk; }
  StatusCode code() const noexcept { return code_; }
  bool IsNotFound() const noexcept { return code_ == StatusCode::kNotFound; }
  bool IsPending() const noexcept { return code_ == StatusCode::kPending; }
  std::string_view message() const noexcept {
    return message_ ? std::string_view(*message_) : std::string_view();
  }
  // "IO error: disk full" style text for logs.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::unique_ptr<std::string> message_;
};

std::string_view StatusCodeName(StatusCode code) noexcept;

}  // namespace ferrite
