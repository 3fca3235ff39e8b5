#pragma once
// Bit operations behind the bitmap family (SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD).
//
// Bitmaps are plain strings, as in Redis: bit 0 is the most significant bit of byte 0, and bits
// past the end of the string read as zero. The pure functions here know nothing about RESP or the
// store; the updaters are Garnet-style RMW callbacks (see commands/string_ops.h for the
// contract: every callback recomputes all of its result fields, because the engine may call one
// more than once).
//
// Thread safety: updaters are per-call objects used by one thread; the free functions are pure.
//
// Invariants: every offset handed to an updater has already been checked by ParseBitOffset
// against proto-max-bulk-len (at most kProtoMaxBulkLen), so a grown string never exceeds 512 MB.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "commands/string_ops.h"
#include "storage/store.h"

namespace ferrite::commands {

// Redis's getBitOffsetFromArgument: a non-negative integer whose byte (offset / 8) is below
// `max_bytes` (proto-max-bulk-len). With `bits` > 0 the "#N" form means N * bits (BITFIELD).
// False on error (the caller replies "ERR bit offset is not an integer or out of range").
bool ParseBitOffset(std::string_view arg, int bits, uint64_t* offset,
                    uint64_t max_bytes = kProtoMaxBulkLen);

// Number of set bits in `bytes`.
uint64_t PopCount(std::string_view bytes);

// BITCOUNT over [start, end] (bytes, or bits when `is_bit`), with Redis's negative-index rules.
// `has_range` false counts the whole string.
int64_t BitCount(std::string_view value, bool has_range, int64_t start, int64_t end, bool is_bit);

// BITPOS: the first `bit` (0 or 1) in the range. `has_start` / `has_end` say which bounds were
// given; a missing end lets a search for 0 find the first bit past the string (strings are
// zero-padded to the right), a given end makes it -1, as in Redis.
int64_t BitPos(std::string_view value, int bit, bool has_start, int64_t start, bool has_end,
               int64_t end, bool is_bit);

// BITFIELD integer access at any bit offset of a buffer that holds every bit touched.
uint64_t GetUnsignedBitfield(const uint8_t* p, uint64_t offset, int bits);
int64_t GetSignedBitfield(const uint8_t* p, uint64_t offset, int bits);
void SetBitfield(uint8_t* p, uint64_t offset, int bits, uint64_t value);
// The same reads on a string of any length (bits past its end are zero).
int64_t GetBitfieldPadded(std::string_view value, uint64_t offset, int bits, bool is_signed);

enum class BitfieldOverflow : uint8_t { kWrap, kSat, kFail };

// The value a SET (`is_incr` false: `arg` is the new value) or INCRBY (`arg` is the increment)
// writes into a field of `bits` holding `old`. Returns false on overflow with kFail, when nothing
// may be written; otherwise `*result` is the (wrapped or saturated) value to store.
bool BitfieldCompute(bool is_signed, int bits, BitfieldOverflow overflow, bool is_incr, int64_t old,
                     int64_t arg, int64_t* result);

// One BITFIELD operation, parsed.
struct BitfieldOp {
  enum Kind : uint8_t { kGet, kSet, kIncrBy } kind = kGet;
  bool is_signed = false;
  int bits = 0;
  uint64_t offset = 0;
  int64_t arg = 0;  // SET value or INCRBY increment
  BitfieldOverflow overflow = BitfieldOverflow::kWrap;
};

// Applies `ops` to `buf` (already large enough for every write), appending one reply value per
// op (nullopt: FAIL overflow). Returns the number of writes that changed a value (or all writes
// when `grown`, as Redis counts them for the dirty counter).
int64_t ApplyBitfieldOps(std::span<const BitfieldOp> ops, uint8_t* buf, uint64_t size, bool grown,
                         std::vector<std::optional<int64_t>>* results);

// SETBIT. Outcome kDone (the key was created, grew or the bit changed), kUnchanged, or kWrongType.
// `old_bit` is the bit before the update.
struct SetBitUpdater final : storage::RmwFunctions {
  SetBitUpdater(uint64_t offset, bool on) : offset(offset), on(on) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  uint64_t offset;
  bool on;
  RmwOutcome outcome = RmwOutcome::kAbsent;
  bool old_bit = false;
};

// BITFIELD with at least one SET / INCRBY: grows the string to the farthest written bit, then
// runs every op in order. Outcome kDone or kWrongType; `results` and `changes` as above.
struct BitfieldUpdater final : storage::RmwFunctions {
  BitfieldUpdater(std::span<const BitfieldOp> ops, uint64_t highest_bit)
      : ops(ops), highest_bit(highest_bit) {}
  Status InitialUpdate(storage::RecordBuilder& out) override;
  bool InPlaceUpdate(storage::MutableRecord& rec) override;
  Status CopyUpdate(const storage::RecordView& old, storage::RecordBuilder& out) override;

  std::span<const BitfieldOp> ops;
  uint64_t highest_bit;  // the last bit any write touches
  RmwOutcome outcome = RmwOutcome::kAbsent;
  std::vector<std::optional<int64_t>> results;
  int64_t changes = 0;
};

enum class BitOp : uint8_t { kAnd, kOr, kXor, kNot };
// BITOP's result: as long as the longest source, shorter ones zero-padded.
std::string ComputeBitOp(BitOp op, std::span<const std::string> sources);

}  // namespace ferrite::commands
