// Compaction and eviction of disk segments (FASTER's log compaction by scan-and-copy).
//
// The oldest segment [Begin, segment end) is read page by page. For each record the index chain
// of its key decides whether it is still the key's newest record; if so and it is live, it is
// copied to the tail with a conditional CAS (expected: the entry word seen by that check), so a
// concurrent write always wins. Tombstones, superseded records, records of flushed databases
// and expired records are dropped (expired ones are counted). Then BeginAddress moves past the
// segment and the file is deleted once no reader can use it.
//
// Trigger: total log bytes (Tail - Begin) above twice the live bytes plus the in-memory log,
// checked every worker step; so under steady overwrites disk use stays near 2x the live data
// (docs/design/hybridlog.md). Eviction (maxmemory policy, disk full) is the same pass with
// drop_mode 1 (drop every live record: allkeys-*) or 2 (drop live records with an expiry and
// copy the rest: volatile-*), counting each dropped key in evicted_keys.
//
// A live collection record is re-materialised: its object is read from the segment's object log
// and rebuilt, and the copy at the tail is a fresh object record (flushed again to a newer
// object-log segment), so the old object-log file can go with its segment.

#include <chrono>

#include "storage/kv/store_impl.h"
#include "telemetry/api/scoped_span.h"
#include "telemetry/api/semconv.h"

namespace ferrite::storage::kv {
bool HybridLogStore::MaybeCompact() {
  // Keep pace with the writers: up to 16 segments per worker step while the trigger holds.
  bool progress = false;
  for (int i = 0; i < 16 && CompactionDue(); ++i) {
    if (!CompactOldestSegment(0)) break;
    progress = true;
  }
  return progress;
}

bool HybridLogStore::CompactionDue() {
  const Address begin = log_.BeginAddress(), head = log_.HeadAddress();
  const Address tail = log_.TailAddress();
  const uint64_t seg = log_.segment_size();
  const Address oldest_end = ((begin / seg) + 1) * seg;
  if (oldest_end > head || oldest_end > log_.FlushedUntilAddress()) return false;
  const uint64_t total = tail - begin;
  const uint64_t in_memory = tail - head;
  const uint64_t live = static_cast<uint64_t>(LiveBytes());
  // Under a disk budget, compact early (at 3/4 of it) while a segment's worth is dead, so the
  // copies still find room before the disk is full.
  const bool near_budget =
      options_.max_disk != 0 && (log_.FlushedUntilAddress() - begin) * 4 > options_.max_disk * 3;
  if (total <= 2 * live + in_memory && !(near_budget && total > live + in_memory + seg)) {
    return false;
  }
  return true;
}

bool HybridLogStore::CompactOldestSegment(int drop_mode) {
  HybridLogSession* s = worker_session_.get();
  const uint32_t slot = s->slot();
  const uint64_t seg = log_.segment_size();
  const uint64_t page = log_.page_size();
  const Address begin = log_.BeginAddress();
  const Address start = std::max(begin, hlog::kFirstValidAddress);
  const Address end = ((begin / seg) + 1) * seg;
  if (end > log_.HeadAddress() || end > log_.FlushedUntilAddress()) return false;
  telemetry::ScopedSpan span(telemetry::semconv::kSpanCompaction);
  span.SetInt(telemetry::semconv::kStorageBytes, static_cast<int64_t>(end - start));

  std::string page_buf(page, '\0');
  std::string big;    // records longer than the rest of their page
  std::string newer;  // records read while checking liveness
  uint64_t dropped_live = 0;
  for (Address p = start & ~(page - 1); p < end; p += page) {
    Status st = log_.ReadRaw(p, page_buf.data(), page);
    if (!st.ok()) {
      span.SetError(st.message());
      return false;  // leave the segment in place; try again later
    }
    Address pos = std::max(p, start);
    while (pos + hlog::kRecordHeaderSize <= p + page) {
      const char* raw = page_buf.data() + (pos - p);
      const LogRecord* hdr = LogRecord::At(raw);
      uint64_t info = hdr->LoadInfo();
      if (!hlog::InfoAllocated(info)) break;  // rest of the page is empty
      uint64_t size = hlog::RecordSize(hdr->key_len, hdr->value_capacity);
      if (pos + size > p + page) {
        if (pos + size > log_.FlushedUntilAddress() || hdr->value_capacity > kMaxValueBytes + 8) {
          corruptions.fetch_add(1);
          break;
        }
        big.resize(size);
        if (!log_.ReadRaw(pos, big.data(), size).ok()) return false;
        raw = big.data();
      }
      if (!hlog::VerifyDiskRecord(raw, size)) {
        corruptions.fetch_add(1);
        break;  // cannot trust the length: skip the rest of this page
      }
      const LogRecord& rec = *LogRecord::At(raw);
      const Address here = pos;
      pos += size;
      if (hlog::InfoInvalid(info) || hlog::InfoTombstone(info)) continue;
      const DbIndex db = LogicalDb(rec.db);
      if (db >= options_.databases) continue;  // the database was flushed

      std::unique_ptr<StoredObject> object;  // a live collection's, read once
      for (int attempt = 0;; ++attempt) {
        // Is `here` still the key's newest record?
        FindResult f;
        uint64_t hash = HashKey(rec.db, rec.key());
        Found where = s->Find(rec.db, rec.key(), hash, /*create=*/false, &f);
        if (where != Found::kOnDisk) break;  // newer in memory, or the chain no longer has it
        Address a = f.disk_address;
        bool newest = false;
        while (a != hlog::kInvalidAddress && a >= here) {
          if (a == here) {
            newest = true;
            break;
          }
          if (!log_.ReadRecordSync(a, &newer).ok()) break;
          const LogRecord& n = *LogRecord::At(newer.data());
          if (n.db == rec.db && n.key() == rec.key()) break;  // superseded
          a = hlog::InfoPrev(n.LoadInfo());
        }
        if (!newest) break;
        KeyState old = s->StateOf(rec);
        bool evict = drop_mode == 1 || (drop_mode == 2 && old.expire_at_ms != kNoExpiry);
        if (old.expired || evict) {
          // Dropping it when Begin moves removes the key: count it now.
          AdjustCounts(s, db, old, false, kNoExpiry, 0);
          if (!old.expired) {
            evicted_keys.fetch_add(1);
            ++dropped_live;
          }
          break;
        }
        if (hlog::InfoObject(info) && object == nullptr) {
          auto read = log_.ReadObjectSync(here, rec);
          if (!read) {
            if (read.error().code() != StatusCode::kCorruption) return false;  // retry later
            // Like a record failing its checksum: counted, and the key is lost with the segment.
            corruptions.fetch_add(1);
            AdjustCounts(s, db, old, false, kNoExpiry, 0);
            break;
          }
          object = std::move(read).value();
        }
        Status ast;
        bool retry = false;
        Address na =
            object != nullptr
                ? s->AppendObjectRecord(rec.db, rec.key(), object.get(), hlog::InfoType(info),
                                        rec.expire_at_ms, f.entry.address(), &ast, &retry)
                : s->AppendRecord(rec.db, rec.key(), rec.value(), hlog::InfoType(info),
                                  rec.expire_at_ms, f.entry.address(), false, &ast, &retry);
        if (na == hlog::kInvalidAddress) {
          if (!retry || attempt > 200) return false;
          // The tail is full: flush and evict inline (this is the worker), then retry.
          (void)log_.FlushPages();  // errors are the worker step's to report
          Address desired = log_.DesiredHeadAddress(EffectiveMemoryPages());
          if (log_.FlushedUntilAddress() < desired) log_.ShiftReadOnlyAddress(desired);
          log_.ShiftHeadAddress(desired);
          epoch_.Refresh(slot);
          std::this_thread::sleep_for(std::chrono::microseconds(50));
          continue;
        }
        uint64_t expected = f.entry.entry;
        if (f.entry.slot->compare_exchange_strong(
                expected, index::MakeEntry(index::EntryTag(f.entry.entry), na),
                std::memory_order_acq_rel)) {
          if (object != nullptr) (void)object.release();  // the record owns it now
          break;
        }
        LogRecord* nr = LogRecord::At(log_.Get(na));
        const bool stolen = object != nullptr && !s->UnpublishedObject(*nr);
        nr->StoreInfo(nr->LoadInfo() | hlog::kInvalidBit);
        if (stolen) {
          (void)object.release();  // a FlushDb took it: the database is gone
          break;
        }
      }
    }
    // Let epoch actions (flush, eviction) proceed between pages.
    epoch_.Refresh(slot);
  }
  log_.ShiftBeginAddress(end);
  compactions.fetch_add(1);
  compacted_bytes.fetch_add(end - begin);
  return true;
}

}  // namespace ferrite::storage::kv
