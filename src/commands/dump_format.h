#pragma once
// DUMP / RESTORE payloads in Redis's format, so values move between Ferrite and Redis 7.0:
//
//   <RDB type byte> <RDB-encoded value> <RDB version: u16 LE> <CRC-64: u64 LE>
//
// The CRC is Redis's crc64 (Jones polynomial, reflected, init 0) over everything before it.
//
// Encoding (what DUMP writes): strings as RDB strings (small integers in the INT8/16/32 forms,
// never LZF-compressed); lists as RDB_TYPE_LIST, sets as RDB_TYPE_SET, hashes as RDB_TYPE_HASH,
// sorted sets as RDB_TYPE_ZSET_2: the plain RDB types every Redis since 2.x loads.
// Decoding (what RESTORE reads) also takes what Redis 7.0's DUMP writes: LZF strings, intsets,
// listpack hashes and sorted sets, quicklist-2 lists (plain and packed nodes), and the older
// RDB_TYPE_ZSET with text scores. Ziplist-era encodings (RDB 9 and older) and streams are refused
// as "Bad data format".
//
// Thread safety: pure functions.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "storage/store.h"

namespace ferrite::commands {

// Redis 7.0's RDB_VERSION: the newest payload RESTORE accepts, and the one DUMP writes.
inline constexpr uint16_t kRdbVersion = 10;

uint64_t Crc64(uint64_t crc, std::string_view data) noexcept;

// The payload for a live record (string bytes or collection object).
std::string EncodeDumpPayload(const storage::RecordView& record);

struct RestoredValue {
  storage::ValueType type = storage::ValueType::kString;
  std::string value;                              // strings
  std::unique_ptr<storage::StoredObject> object;  // collections (never empty)
};

enum class DumpError : uint8_t { kVersionOrChecksum, kBadFormat };

// Checks the footer, then decodes. On failure returns which of Redis's two errors applies.
struct DecodeResult {
  bool ok = false;
  DumpError error = DumpError::kBadFormat;
  RestoredValue value;
};
DecodeResult DecodeDumpPayload(std::string_view payload);

}  // namespace ferrite::commands
