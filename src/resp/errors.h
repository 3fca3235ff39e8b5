#pragma once
// The error replies Ferrite shares with Redis, in one table, verbatim. Clients match on these
// strings (often on the first word), so tests assert them exactly. Handlers pass them to
// ReplyBuilder::Error(); messages built at run time start from the Format* helpers below.

#include <string>
#include <string_view>

namespace ferrite::resp::errors {

inline constexpr std::string_view kSyntax = "ERR syntax error";
inline constexpr std::string_view kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kIncrNanOrInf = "ERR increment would produce NaN or Infinity";
inline constexpr std::string_view kNoSuchKey = "ERR no such key";
inline constexpr std::string_view kOutOfRange = "ERR index out of range";
inline constexpr std::string_view kDbIndexOutOfRange = "ERR DB index is out of range";
inline constexpr std::string_view kInvalidDbIndex = "ERR invalid DB index";
inline constexpr std::string_view kSameObject = "ERR source and destination objects are the same";
inline constexpr std::string_view kOom = "OOM command not allowed when used memory > 'maxmemory'.";
inline constexpr std::string_view kStringTooLong =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kBitOffset = "ERR bit offset is not an integer or out of range";
inline constexpr std::string_view kNegativeLength = "ERR value is out of range, must be positive";
inline constexpr std::string_view kTimeoutNegative = "ERR timeout is negative";
inline constexpr std::string_view kNoAuth = "NOAUTH Authentication required.";
inline constexpr std::string_view kExecAbort =
    "EXECABORT Transaction discarded because of previous errors.";
inline constexpr std::string_view kMultiNested = "ERR MULTI calls can not be nested";
inline constexpr std::string_view kExecWithoutMulti = "ERR EXEC without MULTI";
inline constexpr std::string_view kDiscardWithoutMulti = "ERR DISCARD without MULTI";
inline constexpr std::string_view kMisconf =
    "MISCONF Errors writing to the AOF file: the disk is full or failing; write commands are "
    "refused until it works again.";
inline constexpr std::string_view kNoSpace =
    "ERR storage full: the disk region has no space left; writes are refused";
inline constexpr std::string_view kIoError = "ERR storage I/O error";
inline constexpr std::string_view kCorruption = "ERR storage corruption detected for this key";

// "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
std::string UnknownCommand(std::string_view name, const std::string_view* args, size_t nargs);
// "ERR unknown subcommand 'foo'. Try CONFIG HELP."
std::string UnknownSubcommand(std::string_view sub, std::string_view container_upper);
// "ERR wrong number of arguments for 'get' command"
std::string WrongArity(std::string_view command_lower);
// "ERR invalid expire time in 'set' command"
std::string InvalidExpireTime(std::string_view command_lower);

}  // namespace ferrite::resp::errors
