// Scans over all regions: SCAN/KEYS (Scan), RANDOMKEY and the active expire cycle. They walk
// the hash index bucket by bucket; each entry's chain is followed through memory and, for Scan
// and RandomKey, synchronously through disk (ReadRecordSync). The first record of a key met in
// a chain is its newest, which decides whether the key is live.
//
// Cursor: the next main-bucket index. Buckets are never removed or reordered, so every key
// present for a whole scan lives in one bucket that the scan visits (SCAN's guarantee).
//
// A collection record read from disk by Scan is rebuilt into a temporary object that lives for
// the callback only (RandomKey, which never looks at values, skips that rebuild).

#include <algorithm>
#include <chrono>
#include <random>

#include "storage/kv/store_impl.h"

namespace ferrite::storage::kv {

void HybridLogSession::ScanBucket(uint64_t bucket, uint32_t phys, ScanCallback fn, size_t* emitted,
                                  bool objects) {
  hlog::HybridLog& log = store_->log();
  const int64_t now = store_->Now();
  std::vector<std::string> seen;
  store_->index().ForEachEntry(bucket, [&](std::atomic<uint64_t>&, uint64_t e) {
    seen.clear();
    const Address begin = log.BeginAddress();
    const Address head = log.HeadAddress();
    Address a = index::EntryAddress(e);
    auto first_time = [&](std::string_view key) {
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) return false;
      seen.emplace_back(key);
      return true;
    };
    while (a != hlog::kInvalidAddress && a >= begin) {
      if (a >= head) {
        LogRecord& rec = *LogRecord::At(log.Get(a));
        Address prev = hlog::InfoPrev(rec.LoadInfo());
        if (rec.db == phys && InBucket(rec, bucket) && first_time(rec.key())) {
          // A sealed record's bytes are final, so a failed LockShared still reads safely.
          bool locked = a >= log.SafeReadOnlyAddress() && hlog::LockShared(rec);
          KeyState st = StateOf(rec, now);
          const uint64_t info = rec.LoadInfo();
          const StoredObject* object = hlog::InfoObject(info) ? rec.LoadObject() : nullptr;
          // An object record whose object was detached (FlushDb racing) is gone.
          if (st.live() && (object != nullptr || !hlog::InfoObject(info))) {
            fn(rec.key(),
               RecordView{hlog::InfoType(info), st.expire_at_ms,
                          object != nullptr ? std::string_view() : rec.value(),
                          a >= log.ReadOnlyAddress() ? Tier::kMutable : Tier::kReadOnly, object});
            ++*emitted;
          }
          if (locked) hlog::UnlockShared(rec);
        }
        a = prev;
        continue;
      }
      Status s = log.ReadRecordSync(a, &disk_buf_);
      if (!s.ok()) {
        if (s.code() == StatusCode::kCorruption) store_->corruptions.fetch_add(1);
        break;  // the rest of this chain cannot be trusted
      }
      const LogRecord& rec = *LogRecord::At(disk_buf_.data());
      Address prev = hlog::InfoPrev(rec.LoadInfo());
      if (rec.db == phys && InBucket(rec, bucket) && first_time(rec.key())) {
        KeyState st = StateOf(rec, now);
        if (st.live() && objects && hlog::InfoObject(rec.LoadInfo())) {
          // The object lives only for the callback (store.h, RecordView).
          auto object = log.ReadObjectSync(a, rec);
          if (!object) {
            if (object.error().code() == StatusCode::kCorruption) store_->corruptions.fetch_add(1);
            break;
          }
          fn(rec.key(),
             RecordView{
                 hlog::InfoType(rec.LoadInfo()), st.expire_at_ms, {}, Tier::kDisk, object->get()});
          ++*emitted;
        } else if (st.live()) {
          fn(rec.key(),
             RecordView{hlog::InfoType(rec.LoadInfo()), st.expire_at_ms, rec.value(), Tier::kDisk});
          ++*emitted;
        }
      }
      a = prev;
    }
  });
}

uint64_t HybridLogSession::Scan(DbIndex db, uint64_t cursor, size_t count, ScanCallback fn) {
  if (db >= store_->num_databases()) return 0;
  OpGuard guard(this);
  const uint32_t phys = store_->PhysDb(db);
  size_t emitted = 0;
  uint64_t b = cursor;
  // Re-read: an index growth doubles the table, and the buckets it adds lie above the cursor.
  while (b < store_->index().num_buckets()) {
    ScanBucket(b, phys, fn, &emitted);
    ++b;
    if (emitted >= std::max<size_t>(count, 1)) break;
  }
  return b >= store_->index().num_buckets() ? 0 : b;
}

Result<std::string> HybridLogSession::RandomKey(DbIndex db) {
  if (db >= store_->num_databases() || store_->KeyCount(db) == 0) return Status::NotFound();
  OpGuard guard(this);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const uint32_t phys = store_->PhysDb(db);
  const uint64_t buckets = store_->index().num_buckets();
  const uint64_t start = rng() % buckets;
  std::vector<std::string> keys;
  for (uint64_t i = 0; i < buckets; ++i) {
    size_t emitted = 0;
    ScanBucket((start + i) % buckets, phys,
               [&](std::string_view key, const RecordView&) {
                 if (keys.size() < 16) keys.emplace_back(key);
               },
               &emitted, /*objects=*/false);
    if (!keys.empty()) return keys[rng() % keys.size()];
  }
  return Status::NotFound();
}

uint64_t HybridLogStore::ActiveExpireCycle(uint64_t budget_us) {
  HybridLogSession session(this);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(budget_us);
  const uint64_t buckets = index_.num_buckets();
  const uint64_t expired_before = session.counters().expired.load();
  std::vector<std::pair<DbIndex, std::string>> victims;
  for (uint64_t n = 0; n < buckets; ++n) {
    if ((n & 15) == 0 && std::chrono::steady_clock::now() >= deadline) break;
    uint64_t b = expire_cursor_.fetch_add(1, std::memory_order_relaxed) % buckets;
    victims.clear();
    {
      OpGuard guard(&session);
      const int64_t now = Now();
      std::vector<std::string_view> seen;
      const Address head = log_.HeadAddress(), begin = log_.BeginAddress();
      index_.ForEachEntry(b, [&](std::atomic<uint64_t>&, uint64_t e) {
        seen.clear();
        // Memory only: expired records on disk are reclaimed by compaction.
        for (Address a = index::EntryAddress(e); a != 0 && a >= begin && a >= head;) {
          LogRecord& rec = *LogRecord::At(log_.Get(a));
          Address prev = hlog::InfoPrev(rec.LoadInfo());
          std::string_view key = rec.key();
          if (session.InBucket(rec, b) && std::find(seen.begin(), seen.end(), key) == seen.end()) {
            seen.push_back(key);
            bool locked = a >= log_.SafeReadOnlyAddress() && hlog::LockShared(rec);
            KeyState st = session.StateOf(rec, now);
            if (locked) hlog::UnlockShared(rec);
            DbIndex db = st.expired ? LogicalDb(rec.db) : options_.databases;
            if (db < options_.databases) victims.emplace_back(db, std::string(key));
          }
          a = prev;
        }
      });
    }
    for (auto& [db, key] : victims) (void)session.Delete(db, key);
  }
  return session.counters().expired.load() - expired_before;
}

}  // namespace ferrite::storage::kv
