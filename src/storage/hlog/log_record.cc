#include "storage/hlog/log_record.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <thread>

namespace ferrite::storage::hlog {

void LogRecord::Init(uint32_t phys_db, std::string_view k, uint32_t vlen, uint32_t capacity,
                     ValueType type, int64_t expire, Address prev, bool tombstone) {
  lock_or_checksum = 0;
  reserved = 0;
  key_len = static_cast<uint32_t>(k.size());
  value_len = vlen;
  value_capacity = capacity;
  db = phys_db;
  expire_at_ms = expire;
  std::memcpy(reinterpret_cast<char*>(this) + kRecordHeaderSize, k.data(), k.size());
  StoreInfo(MakeInfo(prev, type, tombstone));
}

uint32_t RecordChecksum(uint64_t info, const char* rec, uint64_t size) {
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, &info, sizeof(info));
  XXH3_64bits_update(&state, rec + 16, size - 16);
  return static_cast<uint32_t>(XXH3_64bits_digest(&state));
}

ObjectDescriptor ReadObjectDescriptor(const LogRecord& disk_record) {
  ObjectDescriptor d;
  const char* slot = disk_record.object_slot();
  std::memcpy(&d.offset, slot, 8);
  std::memcpy(&d.length, slot + 8, 8);
  std::memcpy(&d.checksum, slot + 16, 4);
  return d;
}

uint32_t ObjectChecksum(std::string_view bytes) {
  return static_cast<uint32_t>(XXH3_64bits(bytes.data(), bytes.size()));
}

void EncodeForDisk(const LogRecord& rec, char* out, const ObjectDescriptor* object) {
  uint64_t info = rec.LoadInfo();
  uint64_t size = rec.size();
  std::memcpy(out, &info, 8);
  // Bytes 8..15 are the live lock word in memory: never copied.
  std::memset(out + 8, 0, 8);
  // The object slot is not copied: a pointer means nothing on disk (and FlushDb may be
  // detaching it right now); it becomes the object-log descriptor.
  const uint64_t copied = InfoObject(info) ? size - kObjectSlotSize : size;
  std::memcpy(out + 16, reinterpret_cast<const char*>(&rec) + 16, copied - 16);
  if (InfoObject(info)) {
    char* slot = out + size - kObjectSlotSize;
    std::memset(slot, 0, kObjectSlotSize);
    if (object != nullptr) {
      std::memcpy(slot, &object->offset, 8);
      std::memcpy(slot + 8, &object->length, 8);
      std::memcpy(slot + 16, &object->checksum, 4);
    }
  }
  uint32_t sum = RecordChecksum(info, out, size);
  std::memcpy(out + 8, &sum, 4);
}

bool VerifyDiskRecord(const char* rec, uint64_t available) {
  if (available < kRecordHeaderSize) return false;
  const LogRecord* r = LogRecord::At(rec);
  uint64_t info;
  std::memcpy(&info, rec, 8);
  if (!InfoAllocated(info)) return false;
  uint64_t size = RecordSize(r->key_len, r->value_capacity);
  if (r->value_len > r->value_capacity || size > available) return false;
  if (InfoObject(info) && (r->value_capacity < kObjectSlotSize || r->value_len != 0)) return false;
  return RecordChecksum(info, rec, size) == r->lock_or_checksum;
}

bool LockShared(LogRecord& rec) {
  auto lock = rec.Lock();
  uint32_t v = lock.load(std::memory_order_acquire);
  for (;;) {
    if (v & kLockSealed) return false;
    if (v & kLockExclusive) {
      std::this_thread::yield();
      v = lock.load(std::memory_order_acquire);
      continue;
    }
    if (lock.compare_exchange_weak(v, v + 1, std::memory_order_acquire)) return true;
  }
}

void UnlockShared(LogRecord& rec) { rec.Lock().fetch_sub(1, std::memory_order_release); }

bool LockExclusive(LogRecord& rec) {
  auto lock = rec.Lock();
  uint32_t v = lock.load(std::memory_order_acquire);
  for (;;) {
    if (v & kLockSealed) return false;
    if (v != 0) {
      std::this_thread::yield();
      v = lock.load(std::memory_order_acquire);
      continue;
    }
    if (lock.compare_exchange_weak(v, kLockExclusive, std::memory_order_acquire)) return true;
  }
}

void UnlockExclusive(LogRecord& rec, bool seal) {
  rec.Lock().store(seal ? kLockSealed : 0, std::memory_order_release);
}

}  // namespace ferrite::storage::hlog
