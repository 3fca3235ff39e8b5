#pragma once
// The RESP bytes family tests compare replies with: Bulk("v") == "$1\r\nv\r\n", Int(3), Err(msg),
// and the replies most commands share. Test-only.

#include <cstdint>
#include <string>
#include <string_view>

namespace ferrite::commands {

inline std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}
inline std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }
inline std::string Err(std::string_view s) { return "-" + std::string(s) + "\r\n"; }

inline const std::string kOk = "+OK\r\n";
inline const std::string kNil = "$-1\r\n";
inline const std::string kWrongType =
    Err("WRONGTYPE Operation against a key holding the wrong kind of value");
inline const std::string kNotInt = Err("ERR value is not an integer or out of range");
inline const std::string kSyntax = Err("ERR syntax error");

}  // namespace ferrite::commands
