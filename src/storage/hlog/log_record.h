#pragma once
// LogRecord: the byte layout of one record, identical in memory and on disk except for bytes
// 8..15 (docs/design/hybridlog.md, "Record layout").
//
//   offset size  field
//   0      8     info: bits 0..47 previous address in the hash chain, 48 tombstone, 49 invalid,
//                50 object, 52..55 value type, 62 allocated (set in every written header, so a
//                zero word marks the unused end of a page)
//   8      4     memory: lock word (bit 31 exclusive, bit 30 sealed, bits 0..29 readers)
//                disk:   checksum (low 32 bits of XXH3-64 over info and bytes 16..size)
//   12     4     reserved, 0
//   16     4     key length
//   20     4     value length
//   24     4     value capacity (>= length; room for in-place growth)
//   28     4     physical database id
//   32     8     expiry, absolute Unix ms, or 0
//   40     k     key bytes, then `capacity` value bytes, then zero padding to a multiple of 8
//
// Object records (bit 50; collections, docs/design/collections.md) have value length 0 and a
// capacity of at least kObjectSlotSize; the LAST 24 bytes of the record (8-aligned, inside the
// value area) are the object slot:
//   memory: 0..7 owned StoredObject* (null once freed or detached), 8..15 bytes charged for it
//           (its MemoryUsage() when last measured), 16..23 zero
//   disk:   0..7 offset in the companion object-log segment, 8..15 serialised length (0: no
//           object, e.g. a tombstone or a superseded record), 16..19 checksum of those bytes
//           (low 32 bits of XXH3-64), 20..23 zero
// The pointer is read and written with atomic_ref: FlushDb may detach it while a reader below
// SafeReadOnlyAddress, or the flusher, loads it (the object itself is freed through the epoch).
//
// Concurrency: `info` and the lock word are accessed with atomic_ref; the other fields and the
// bytes are written before the record is published by an index CAS, and changed afterwards only
// by a holder of the exclusive lock while the record is in the mutable region. Readers of
// records at or above SafeReadOnlyAddress take the shared lock; below it nobody writes.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "storage/hlog/address.h"
#include "storage/object.h"
#include "storage/store.h"

namespace ferrite::storage::hlog {

inline constexpr uint32_t kRecordHeaderSize = 40;
inline constexpr uint64_t kPrevMask = (uint64_t{1} << 48) - 1;
inline constexpr uint64_t kTombstoneBit = uint64_t{1} << 48;
inline constexpr uint64_t kInvalidBit = uint64_t{1} << 49;
inline constexpr int kTypeShift = 52;
inline constexpr uint64_t kObjectBit = uint64_t{1} << 50;
inline constexpr uint64_t kAllocatedBit = uint64_t{1} << 62;
inline constexpr uint32_t kObjectSlotSize = 24;

inline constexpr uint32_t kLockExclusive = 1u << 31;
inline constexpr uint32_t kLockSealed = 1u << 30;
inline constexpr uint32_t kLockReaderMask = kLockSealed - 1;

inline constexpr uint64_t RecordSize(uint32_t key_len, uint32_t capacity) {
  return (uint64_t{kRecordHeaderSize} + key_len + capacity + 7) & ~uint64_t{7};
}

struct LogRecord {
  uint64_t info;
  uint32_t lock_or_checksum;
  uint32_t reserved;
  uint32_t key_len;
  uint32_t value_len;
  uint32_t value_capacity;
  uint32_t db;
  int64_t expire_at_ms;

  static LogRecord* At(char* p) { return reinterpret_cast<LogRecord*>(p); }
  static const LogRecord* At(const char* p) { return reinterpret_cast<const LogRecord*>(p); }

  uint64_t LoadInfo() const {
    return std::atomic_ref<uint64_t>(const_cast<uint64_t&>(info)).load(std::memory_order_acquire);
  }
  void StoreInfo(uint64_t v) {
    std::atomic_ref<uint64_t>(info).store(v, std::memory_order_release);
  }
  std::atomic_ref<uint32_t> Lock() { return std::atomic_ref<uint32_t>(lock_or_checksum); }

  uint64_t size() const { return RecordSize(key_len, value_capacity); }
  const char* key_data() const { return reinterpret_cast<const char*>(this) + kRecordHeaderSize; }
  char* value_data() { return reinterpret_cast<char*>(this) + kRecordHeaderSize + key_len; }
  const char* value_data() const {
    return reinterpret_cast<const char*>(this) + kRecordHeaderSize + key_len;
  }
  std::string_view key() const { return {key_data(), key_len}; }
  std::string_view value() const { return {value_data(), value_len}; }

  // The object slot of an object record (see the file comment).
  char* object_slot() { return reinterpret_cast<char*>(this) + size() - kObjectSlotSize; }
  const char* object_slot() const {
    return reinterpret_cast<const char*>(this) + size() - kObjectSlotSize;
  }
  StoredObject* LoadObject() const {
    auto* p = reinterpret_cast<uintptr_t*>(const_cast<char*>(object_slot()));
    return reinterpret_cast<StoredObject*>(
        std::atomic_ref<uintptr_t>(*p).load(std::memory_order_acquire));
  }
  void StoreObject(StoredObject* o) {
    auto* p = reinterpret_cast<uintptr_t*>(object_slot());
    std::atomic_ref<uintptr_t>(*p).store(reinterpret_cast<uintptr_t>(o), std::memory_order_release);
  }
  StoredObject* ExchangeObject(StoredObject* o) {
    auto* p = reinterpret_cast<uintptr_t*>(object_slot());
    return reinterpret_cast<StoredObject*>(std::atomic_ref<uintptr_t>(*p).exchange(
        reinterpret_cast<uintptr_t>(o), std::memory_order_acq_rel));
  }
  // Bytes charged for the object; written only by the slot's owner (exclusive lock, or before
  // publication), read by whoever frees the object.
  uint64_t object_charge() const {
    uint64_t v;
    std::memcpy(&v, object_slot() + 8, 8);
    return v;
  }
  void set_object_charge(uint64_t v) { std::memcpy(object_slot() + 8, &v, 8); }

  // Writes a complete header and the key; the caller copies the value and sets `info` last.
  void Init(uint32_t phys_db, std::string_view k, uint32_t vlen, uint32_t capacity, ValueType type,
            int64_t expire, Address prev, bool tombstone);
};

inline Address InfoPrev(uint64_t info) { return info & kPrevMask; }
inline bool InfoTombstone(uint64_t info) { return (info & kTombstoneBit) != 0; }
inline bool InfoInvalid(uint64_t info) { return (info & kInvalidBit) != 0; }
inline bool InfoAllocated(uint64_t info) { return (info & kAllocatedBit) != 0; }
inline bool InfoObject(uint64_t info) { return (info & kObjectBit) != 0; }
inline ValueType InfoType(uint64_t info) {
  return static_cast<ValueType>((info >> kTypeShift) & 0xf);
}
inline uint64_t MakeInfo(Address prev, ValueType type, bool tombstone, bool object = false) {
  return (prev & kPrevMask) | (tombstone ? kTombstoneBit : 0) | (object ? kObjectBit : 0) |
         (uint64_t{static_cast<uint8_t>(type)} << kTypeShift) | kAllocatedBit;
}

// The on-disk object slot of an object record (see the file comment).
struct ObjectDescriptor {
  uint64_t offset = 0;
  uint64_t length = 0;
  uint32_t checksum = 0;
};
ObjectDescriptor ReadObjectDescriptor(const LogRecord& disk_record);
uint32_t ObjectChecksum(std::string_view bytes);

// The on-disk checksum of a record whose bytes are `rec` (size `size`), info word `info`.
uint32_t RecordChecksum(uint64_t info, const char* rec, uint64_t size);

// Copies a stable in-memory record to `out` in its on-disk form (lock word replaced by the
// checksum; for an object record the slot replaced by `object`, or zeros when null).
// REQUIRES: nobody writes the record's bytes (it is below SafeReadOnlyAddress).
void EncodeForDisk(const LogRecord& rec, char* out, const ObjectDescriptor* object = nullptr);
// Checks a record read from disk: header sane, fits `available` bytes, checksum matches.
bool VerifyDiskRecord(const char* rec, uint64_t available);

// Reader/writer lock on the in-memory lock word. Lock* spin; a sealed record (superseded by a
// copy) makes LockShared/LockExclusive fail so the caller retries from the index.
bool LockShared(LogRecord& rec);
void UnlockShared(LogRecord& rec);
bool LockExclusive(LogRecord& rec);
void UnlockExclusive(LogRecord& rec, bool seal = false);

}  // namespace ferrite::storage::hlog
