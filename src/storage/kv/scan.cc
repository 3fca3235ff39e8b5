// Scans over all regions: SCAN/KEYS (Scan), RANDOMKEY, the active expire cycle, and the
// whole-store snapshot scan of checkpoints and AOF rewrites (ScanStorageOrder).
//
// Scan, RandomKey and the expire cycle walk the hash index bucket by bucket; each entry's chain is
// followed through memory and, for Scan and RandomKey, synchronously through disk
// (ReadRecordSync). The first record of a key met in a chain is its newest, which decides whether
// the key is live. Cursor: the next main-bucket index. Buckets are never removed or reordered, so
// every key present for a whole scan lives in one bucket that the scan visits (SCAN's guarantee).
// A collection record read from disk by Scan is rebuilt into a temporary object that lives for
// the callback only (RandomKey, which never looks at values, skips that rebuild).
//
// ScanStorageOrder walks the log itself, oldest first, up to the tail as it was at the start
// (`end`): the on-disk part in sequential 4 MiB reads, the in-memory part page by page. A record
// at `here` stands for its key when it is the key's first record below `end` in the key's chain
// (NewestBelow). The set of a key's records below `end` never grows (new records go to the tail)
// and chains only grow at their head, so that record is the same whenever the scan reaches it:
// each key present for the whole scan is passed exactly once, even if it is updated, copied to
// the tail by a reader, or moved to disk meanwhile. Compaction is the exception (it copies live
// records above `end` and drops their segment): when BeginAddress passes the scan, `end` moves up
// past the copies, so those keys are still passed (and some keys written meanwhile twice).

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <random>
#include <thread>

#include "storage/kv/store_impl.h"

namespace ferrite::storage::kv {

namespace {

// Bytes of on-disk log one read of ScanStorageOrder fetches.
constexpr uint64_t kStorageOrderChunk = uint64_t{4} << 20;
// NewestBelow's answer when a record of the chain could not be read.
constexpr Address kUnreadable = ~Address{0};

Address RoundUp(Address a, uint64_t page) { return (a + page - 1) & ~(page - 1); }

}  // namespace

Address HybridLogSession::NewestBelow(uint32_t phys, std::string_view key, Address below,
                                      Address floor, Address chunk_base, std::string_view chunk) {
  hlog::HybridLog& log = store_->log();
  index::EntrySlot entry = store_->index().Find(HybridLogStore::HashKey(phys, key));
  if (entry.slot == nullptr) return hlog::kInvalidAddress;
  const Address begin = log.BeginAddress();
  for (Address a = entry.address(); a != hlog::kInvalidAddress && a >= begin && a >= floor;) {
    const LogRecord* rec = nullptr;
    const uint64_t in_chunk = a - chunk_base;  // wraps (huge) below chunk_base
    if (a >= log.HeadAddress()) {
      rec = LogRecord::At(log.Get(a));
    } else if (a >= chunk_base && in_chunk + hlog::kRecordHeaderSize <= chunk.size() &&
               in_chunk + LogRecord::At(chunk.data() + in_chunk)->size() <= chunk.size()) {
      rec = LogRecord::At(chunk.data() + in_chunk);
    } else {
      Status s = log.ReadRecordSync(a, &walk_buf_);
      if (!s.ok()) {
        if (s.code() == StatusCode::kCorruption) store_->corruptions.fetch_add(1);
        return kUnreadable;
      }
      rec = LogRecord::At(walk_buf_.data());
    }
    if (a < below && rec->db == phys && rec->key() == key) return a;
    a = hlog::InfoPrev(rec->LoadInfo());
  }
  return hlog::kInvalidAddress;
}

Address HybridLogSession::WrittenTail() {
  // Every record below the tail read here was allocated before now. Once each thread protected
  // now has moved on, its operation is over: the record is completely written (or marked
  // invalid), and the page it opened is ready.
  const Address tail = store_->log().TailAddress();
  epoch::LightEpoch& epoch = store_->epoch();
  auto written = std::make_shared<std::atomic<bool>>(false);
  epoch.BumpEpoch([written] { written->store(true, std::memory_order_release); });
  while (!written->load(std::memory_order_acquire)) {
    epoch.Drain();
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  return tail;
}

Status HybridLogSession::ScanStorageOrder(StorageOrderBatch batch) {
  hlog::HybridLog& log = store_->log();
  if (store_->epoch().IsProtected(slot_)) {
    return Status::InvalidArgument("storage-order scan while protected");
  }
  Address end = WrittenTail();
  const uint64_t page = log.page_size();
  const DbIndex databases = store_->num_databases();
  std::string chunk;
  std::deque<std::string> copies;  // records larger than a chunk's rest, keys of memory records
  std::vector<StorageOrderItem> items;
  Address cursor = std::max(log.BeginAddress(), hlog::kFirstValidAddress);
  while (cursor < end) {
    items.clear();
    copies.clear();
    // [cursor, limit) is read from disk when it is below HeadAddress, without epoch protection: a
    // segment deleted meanwhile fails the read or shows in the BeginAddress checks below.
    Address limit = std::min({log.HeadAddress(), end, (cursor & ~(page - 1)) + kStorageOrderChunk});
    const bool disk = cursor < limit;
    Status read;
    if (disk) {
      chunk.resize(limit - cursor);
      read = log.ReadRaw(cursor, chunk.data(), chunk.size());
    } else {
      limit = std::min(end, (cursor & ~(page - 1)) + page);
    }
    const std::string_view view = disk ? std::string_view(chunk) : std::string_view();
    Address pos = cursor;
    bool compacted = false;
    {
      OpGuard guard(this);
      compacted = log.BeginAddress() > cursor;
      if (!compacted && !read.ok()) return read;
      if (!disk && cursor < log.HeadAddress()) continue;  // the page went to disk: read it there
      const int64_t now = store_->Now();
      while (!compacted && pos < limit) {
        const Address page_end = (pos & ~(page - 1)) + page;
        if (pos + hlog::kRecordHeaderSize > std::min(page_end, limit)) {
          pos = page_end;
          continue;
        }
        const char* raw = disk ? chunk.data() + (pos - cursor) : log.Get(pos);
        const uint64_t info = LogRecord::At(raw)->LoadInfo();
        if (!hlog::InfoAllocated(info)) {  // the unused end of a page
          pos = page_end;
          continue;
        }
        const Address here = pos;
        const uint64_t size = LogRecord::At(raw)->size();
        if (disk && here + size > limit) {
          // A record larger than the rest of the chunk (a multi-page record): read it whole.
          Status st = log.ReadRecordSync(here, &copies.emplace_back());
          if (!st.ok()) {
            if (st.code() != StatusCode::kCorruption) return st;
            store_->corruptions.fetch_add(1);
            pos = page_end;
            continue;
          }
          raw = copies.back().data();
        } else if (disk && !hlog::VerifyDiskRecord(raw, limit - here)) {
          store_->corruptions.fetch_add(1);
          pos = page_end;  // the length cannot be trusted: skip the rest of the page
          continue;
        }
        // A multi-page record is alone in its pages.
        pos = size >= page ? RoundUp(here + size, page) : here + size;
        const LogRecord& rec = *LogRecord::At(raw);
        if (hlog::InfoInvalid(info) || hlog::InfoTombstone(info)) continue;
        const DbIndex db = store_->LogicalDb(rec.db);
        if (db >= databases) continue;  // its database was flushed
        // Memory records may change in place: their expiry is left to the caller's read.
        if (disk && !StateOf(rec, now).live()) continue;
        const Address newest = NewestBelow(rec.db, rec.key(), end, here, cursor, view);
        if (newest != here && newest != kUnreadable) continue;
        StorageOrderItem item;
        item.db = db;
        if (disk && newest == here && !hlog::InfoObject(info)) {
          item.key = rec.key();
          item.has_record = true;
          item.record =
              RecordView{hlog::InfoType(info), rec.expire_at_ms, rec.value(), Tier::kDisk};
          item.version = here;
        } else {
          // In memory (the frame is released with the guard), or a collection: read by the caller.
          item.key = copies.emplace_back(rec.key());
        }
        items.push_back(item);
      }
      // Compaction may also have dropped records of this chunk while NewestBelow walked.
      compacted = compacted || log.BeginAddress() > cursor;
    }
    if (!items.empty()) {
      Status st = batch(items);
      if (!st.ok()) return st;
    }
    if (compacted) {
      // Compaction copied the live records it dropped above `end`: move `end` past the copies.
      // Keys written since the start may now be passed a second time (see store.h).
      end = std::max(end, WrittenTail());
      cursor = std::max({log.BeginAddress(), limit, cursor});
    } else {
      cursor = std::max(pos, limit);
    }
  }
  return Status::Ok();
}

bool HybridLogSession::IsCurrentVersion(const StorageOrderItem& item) {
  if (!item.has_record || item.db >= store_->num_databases()) return false;
  OpGuard guard(this);
  return NewestBelow(store_->PhysDb(item.db), item.key, ~Address{0}, item.version) == item.version;
}

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
  // Buckets are visited in batches under one epoch guard: most buckets are empty, and entering
  // the epoch per bucket made a sweep of a default-sized index (2 Mi buckets) take over 2 s,
  // where Redis reaps a short-lived key within about a second.
  HybridLogSession session(this);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(budget_us);
  const uint64_t buckets = index_.num_buckets();
  const uint64_t batch = std::min<uint64_t>(256, buckets);
  const uint64_t expired_before = session.counters().expired.load();
  std::vector<std::pair<DbIndex, std::string>> victims;
  std::vector<std::string_view> seen;
  for (uint64_t visited = 0; visited < buckets; visited += batch) {
    if (std::chrono::steady_clock::now() >= deadline) break;
    const uint64_t first = expire_cursor_.fetch_add(batch, std::memory_order_relaxed);
    victims.clear();
    {
      OpGuard guard(&session);
      const int64_t now = Now();
      const Address head = log_.HeadAddress(), begin = log_.BeginAddress();
      for (uint64_t i = 0; i < batch; ++i) {
        const uint64_t b = (first + i) % buckets;
        index_.ForEachEntry(b, [&](std::atomic<uint64_t>&, uint64_t e) {
          seen.clear();
          // Memory only: expired records on disk are reclaimed by compaction.
          for (Address a = index::EntryAddress(e); a != 0 && a >= begin && a >= head;) {
            LogRecord& rec = *LogRecord::At(log_.Get(a));
            Address prev = hlog::InfoPrev(rec.LoadInfo());
            std::string_view key = rec.key();
            if (session.InBucket(rec, b) &&
                std::find(seen.begin(), seen.end(), key) == seen.end()) {
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
    }
    for (auto& [db, key] : victims) (void)session.Delete(db, key);
  }
  return session.counters().expired.load() - expired_before;
}

}  // namespace ferrite::storage::kv
