#pragma once
// HybridLog: the log allocator behind the store (FASTER's PersistentMemoryMalloc).
//
// The log is a sequence of pages addressed by logical Address (hlog/address.h). The newest
// `memory_pages` pages live in a ring of frames; the rest only in segment files on the Device.
// Three regions, separated by monotonic markers:
//   [HeadAddress, ReadOnlyAddress)   in memory, immutable: updates copy the record to the tail
//   [ReadOnlyAddress, TailAddress)   in memory, mutable: updated in place under the record lock
//   [BeginAddress, HeadAddress)      on disk only: read asynchronously
//
// Transitions (all triggered by epoch actions, never by stopping threads):
//   - A thread that moves the tail into page q opens q and moves ReadOnlyAddress to the start of
//     page q + 1 - mutable_pages; once every thread has seen that (epoch action),
//     SafeReadOnlyAddress follows and the I/O worker may flush pages below it. Between the two
//     lies the fuzzy region: a thread that saw the old ReadOnlyAddress may still update a record
//     there in place, so copiers lock and seal such records (docs/design/hybridlog.md).
//   - The worker writes pages [FlushedUntilAddress, SafeReadOnlyAddress) to segment files,
//     computing each record's checksum (FlushPages).
//   - The worker moves HeadAddress up to FlushedUntilAddress to keep free frames ahead of the
//     tail (ShiftHeadAddress); an epoch action then frees the frames (ClosedUntilAddress).
//   - BeginAddress moves forward by whole segments after compaction, FlushAll or eviction; the
//     segment files below it are deleted once no thread can still read them.
//
// Records larger than a page get k = ceil(size / page) consecutive pages in one buffer.
//
// Collection objects (log_record.h, docs/design/collections.md): an object record owns a
// StoredObject while its page is in memory. FlushPages serialises it into the companion
// object-log segment of the record's segment (device segment kObjectLogSegmentBase + n, deleted
// with segment n) and writes the descriptor into the on-disk record; closing a page frees the
// objects still owned by its records. Pages that never held an object record are neither walked
// on close nor cost anything more to flush, so strings pay nothing.
//
// Thread safety: Allocate / Get / markers from any protected thread; FlushPages,
// ShiftHeadAddress and ShiftBeginAddress from the single I/O worker.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "io/device.h"
#include "storage/epoch/light_epoch.h"
#include "storage/hlog/address.h"
#include "storage/hlog/log_record.h"

namespace ferrite::storage::hlog {

struct HybridLogConfig {
  uint32_t page_bits = 20;      // 1 MiB pages
  uint64_t memory_pages = 64;   // frames in the ring (>= 4)
  uint64_t mutable_pages = 56;  // the newest pages updated in place (>= 1, < memory_pages - 1)
  uint32_t segment_bits = 30;   // 1 GiB segment files (>= page_bits)
  uint64_t max_disk = 0;        // bytes of log on disk; 0 = unlimited
};

// Device segment number of the object log that belongs to log segment n: kObjectLogSegmentBase + n.
inline constexpr uint64_t kObjectLogSegmentBase = uint64_t{1} << 40;

// Outcome of Allocate when it returns kInvalidAddress.
enum class AllocFailure : uint8_t { kNone, kRetryLater, kTooLarge };

class HybridLog {
 public:
  HybridLog(const HybridLogConfig& config, io::Device* device, epoch::LightEpoch* epoch,
            std::function<void()> wake_worker);
  ~HybridLog();
  HybridLog(const HybridLog&) = delete;
  HybridLog& operator=(const HybridLog&) = delete;

  // Reserves `size` bytes (a multiple of 8) at the tail. On kRetryLater the caller must leave
  // its critical section, refresh its epoch and try again (the worker is flushing or evicting).
  // REQUIRES: epoch protected.
  Address Allocate(uint64_t size, AllocFailure* failure);
  // The in-memory bytes of `address`. REQUIRES: protected and address >= HeadAddress.
  char* Get(Address address) const {
    return frames_[(address >> page_bits_) % frame_count_].load(std::memory_order_acquire) +
           (address & page_mask_);
  }

  Address BeginAddress() const { return begin_.load(std::memory_order_acquire); }
  Address HeadAddress() const { return head_.load(std::memory_order_acquire); }
  Address SafeHeadAddress() const { return safe_head_.load(std::memory_order_acquire); }
  Address ReadOnlyAddress() const { return read_only_.load(std::memory_order_acquire); }
  Address SafeReadOnlyAddress() const { return safe_read_only_.load(std::memory_order_acquire); }
  Address FlushedUntilAddress() const { return flushed_until_.load(std::memory_order_acquire); }
  Address ClosedUntilAddress() const { return closed_until_.load(std::memory_order_acquire); }
  Address TailAddress() const { return tail_.load(std::memory_order_acquire); }

  uint64_t page_size() const { return page_size_; }
  uint32_t page_bits() const { return page_bits_; }
  uint64_t segment_size() const { return uint64_t{1} << segment_bits_; }
  uint64_t frame_count() const { return frame_count_; }
  uint64_t max_record_size() const { return (frame_count_ - 3) * page_size_; }
  // Bytes of page frames currently allocated.
  uint64_t FrameBytes() const { return frame_bytes_.load(std::memory_order_relaxed); }

  // Caps the frames in use below the ring size (>= 4): the store lowers it when the index
  // grows, so index + pages stay within max_memory.
  void SetFrameLimit(uint64_t pages) {
    frame_limit_.store(std::max<uint64_t>(pages, 4), std::memory_order_relaxed);
  }

  // --- collection objects -----------------------------------------------------------------
  // Marks the page of `address` as holding an object record, so closing it frees the objects.
  // REQUIRES: protected; called before the record is published.
  void NoteObjectRecord(Address address) {
    auto& flag = has_objects_[(address >> page_bits_) % frame_count_];
    if (flag.load(std::memory_order_relaxed) == 0) flag.store(1, std::memory_order_relaxed);
  }
  // Adds to the live-object accounting (bytes may be negative).
  void ChargeObjects(int64_t bytes, int64_t count) {
    object_bytes_.fetch_add(bytes, std::memory_order_relaxed);
    if (count != 0) objects_.fetch_add(count, std::memory_order_relaxed);
  }
  uint64_t ObjectBytes() const {
    return static_cast<uint64_t>(
        std::max<int64_t>(0, object_bytes_.load(std::memory_order_relaxed)));
  }
  uint64_t ObjectCount() const {
    return static_cast<uint64_t>(std::max<int64_t>(0, objects_.load(std::memory_order_relaxed)));
  }
  // Takes `rec`'s object out of its slot, uncharges it and deletes it. REQUIRES: no other thread
  // can be using the object (the record's exclusive lock, an unpublished record, or a closed
  // page).
  void FreeObject(LogRecord& rec);
  // Calls `fn` for every published-or-not object record in memory at or above HeadAddress, on
  // pages that hold objects. A record being written concurrently at the tail may be missed.
  // REQUIRES: protected.
  void ForEachObjectRecord(const std::function<void(LogRecord&, Address)>& fn);
  // Reads and rebuilds the object of the on-disk object record `rec` found at `address`.
  // Corruption when the bytes fail their checksum or do not parse. Thread-safe; REQUIRES:
  // protected (the segment may not be deleted meanwhile).
  Result<std::unique_ptr<StoredObject>> ReadObjectSync(Address address, const LogRecord& rec);
  // Bytes of object-log segments on disk.
  uint64_t ObjectLogBytes() const { return object_log_bytes_.load(std::memory_order_relaxed); }

  // --- I/O worker side -------------------------------------------------------------------
  // Writes pages [FlushedUntil, SafeReadOnly) to disk. Returns the first error (sticky until a
  // later call succeeds), kNoSpace when max_disk forbids another page, OK otherwise.
  Status FlushPages();
  // Moves HeadAddress to `target` (page aligned, <= FlushedUntilAddress) and frees frames once
  // safe. Returns whether it moved.
  bool ShiftHeadAddress(Address target);
  // Head target that keeps `spare` frames free ahead of the tail, within `memory_pages`.
  Address DesiredHeadAddress(uint64_t memory_pages) const;
  // `target` moved so that it does not split a large record's pages: up to the group's end when
  // that is flushed, else down to its start.
  Address HeadTargetOutsideGroup(Address target) const;
  // Moves BeginAddress to `target` (segment aligned, <= HeadAddress) and deletes the segment
  // files below it once no thread can read them.
  void ShiftBeginAddress(Address target);
  // Moves ReadOnlyAddress (and, once safe, SafeReadOnlyAddress) up to `target`, so that the
  // worker can flush every page below it.
  void ShiftReadOnlyAddress(Address target);
  // Deletes segments queued by ShiftBeginAddress whose epoch action has run.
  void RemoveDeadSegments();

  // Reads the record at disk `address` synchronously into `out` (header, key, value) and checks
  // its checksum: Corruption on mismatch, IoError on device failure. Thread-safe; REQUIRES:
  // protected (the segment may not be deleted meanwhile).
  Status ReadRecordSync(Address address, std::string* out);
  // Reads `n` raw bytes at `address` (must lie in one segment). Thread-safe.
  Status ReadRaw(Address address, void* buf, size_t n);
  io::Device& device() { return *device_; }
  Status last_flush_error() const;
  bool disk_full() const { return disk_full_.load(std::memory_order_acquire); }
  uint64_t max_disk() const { return config_.max_disk; }

 private:
  bool FrameAvailable(uint64_t page) const {
    uint64_t limit = std::min(frame_count_, frame_limit_.load(std::memory_order_relaxed));
    return page < limit + (closed_until_.load(std::memory_order_acquire) >> page_bits_);
  }
  void OpenPage(uint64_t page);
  void OpenLargePages(uint64_t first, uint64_t count);
  void WaitPageReady(uint64_t page) const;
  void OnPagesOpened(uint64_t newest_page);
  void ClosePages(Address from, Address to);
  Status FlushOnePage(uint64_t page);
  // Frees the objects of the records in `bytes` of `buf`, starting at `first`.
  void FreeObjectsIn(char* buf, uint64_t bytes, uint64_t first);
  static void AdvanceMax(std::atomic<Address>& a, Address v);

  const HybridLogConfig config_;
  const uint32_t page_bits_;
  const uint32_t segment_bits_;
  const uint64_t page_size_;
  const uint64_t page_mask_;
  const uint64_t frame_count_;
  io::Device* device_;
  epoch::LightEpoch* epoch_;
  std::function<void()> wake_worker_;

  alignas(64) std::atomic<Address> tail_;
  alignas(64) std::atomic<Address> read_only_;
  std::atomic<Address> safe_read_only_;
  std::atomic<Address> head_;
  std::atomic<Address> safe_head_;
  std::atomic<Address> flushed_until_;
  std::atomic<Address> closed_until_;
  std::atomic<Address> begin_;

  // frames_[p % F] holds page p's bytes; page_ready_[p % F] == p + 1 once it is zeroed.
  std::unique_ptr<std::atomic<char*>[]> frames_;
  std::unique_ptr<std::atomic<uint64_t>[]> page_ready_;
  // Per frame: the first page of the group the frame's page belongs to, and (at the group's
  // first frame) its length in pages. Written by the opener before page_ready_ is released.
  std::unique_ptr<uint64_t[]> group_first_;
  std::unique_ptr<uint64_t[]> group_len_;
  std::mutex close_mu_;  // serialises ClosePages actions that run on different threads
  std::atomic<uint64_t> frame_bytes_{0};
  // Free frames a waiting large allocation needs ahead of the tail (0: the default of 2).
  std::atomic<uint64_t> wanted_spare_{0};
  std::atomic<uint64_t> frame_limit_{~uint64_t{0}};
  // Per frame: its page holds (or held) an object record. Reset when the frame is reopened.
  std::unique_ptr<std::atomic<uint8_t>[]> has_objects_;
  std::atomic<int64_t> object_bytes_{0};
  std::atomic<int64_t> objects_{0};
  std::atomic<uint64_t> object_log_bytes_{0};

  // Worker-only state.
  std::vector<char> staging_;
  Address flush_cursor_ = kFirstValidAddress;  // next record start at or after FlushedUntil
  uint64_t opened_segments_ = 0;               // segments [0, opened) opened on the device
  mutable std::mutex error_mu_;
  Status flush_error_;  // GUARDED_BY(error_mu_)
  std::atomic<bool> disk_full_{false};
  std::atomic<uint64_t> dead_below_segment_{0};  // segments below this may be deleted
  uint64_t removed_below_segment_ = 0;           // worker-only
  std::string object_staging_;                   // worker-only: one page's serialised objects
  std::unordered_map<uint64_t, uint64_t> object_log_tail_;  // worker-only: segment -> bytes
};

}  // namespace ferrite::storage::hlog
