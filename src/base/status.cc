#include "base/status.h"

namespace ferrite {

std::string_view StatusCodeName(StatusCode code) noexcept {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kNotFound:
      return "Not found";
    case StatusCode::kPending:
      return "Pending";
    case StatusCode::kWrongType:
      return "Wrong type";
    case StatusCode::kOutOfMemory:
      return "Out of memory";
    case StatusCode::kNoSpace:
      return "No space";
    case StatusCode::kIoError:
      return "IO error";
    case StatusCode::kCorruption:
      return "Corruption";
    case StatusCode::kInvalidArgument:
      return "Invalid argument";
    case StatusCode::kAborted:
      return "Aborted";
    case StatusCode::kUnavailable:
      return "Unavailable";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  std::string out(StatusCodeName(code_));
  if (message_) {
    out += ": ";
    out += *message_;
  }
  return out;
}

}  // namespace ferrite
