#include "storage/hlog/hybrid_log.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "telemetry/api/scoped_span.h"
#include "telemetry/api/semconv.h"

namespace ferrite::storage::hlog {
namespace {

// Frames come straight from mmap: zeroed by the kernel and returned to it on close, so RSS
// follows the frames actually open (malloc would keep freed megabytes in its arenas).
char* MapZeroed(uint64_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) std::abort();  // OOM is fatal (style.md)
  return static_cast<char*>(p);
}

}  // namespace

HybridLog::HybridLog(const HybridLogConfig& config, io::Device* device, epoch::LightEpoch* epoch,
                     std::function<void()> wake_worker)
    : config_(config),
      page_bits_(config.page_bits),
      segment_bits_(std::max(config.segment_bits, config.page_bits)),
      page_size_(uint64_t{1} << config.page_bits),
      page_mask_(page_size_ - 1),
      frame_count_(std::max<uint64_t>(config.memory_pages, 4)),
      device_(device),
      epoch_(epoch),
      wake_worker_(std::move(wake_worker)),
      tail_(kFirstValidAddress),
      read_only_(0),
      safe_read_only_(0),
      head_(0),
      safe_head_(0),
      flushed_until_(0),
      closed_until_(0),
      begin_(0),
      frames_(new std::atomic<char*>[frame_count_]),
      page_ready_(new std::atomic<uint64_t>[frame_count_]),
      group_first_(new uint64_t[frame_count_]),
      group_len_(new uint64_t[frame_count_]),
      has_objects_(new std::atomic<uint8_t>[frame_count_]) {
  for (uint64_t f = 0; f < frame_count_; ++f) {
    has_objects_[f].store(0, std::memory_order_relaxed);
    frames_[f].store(nullptr, std::memory_order_relaxed);
    page_ready_[f].store(0, std::memory_order_relaxed);
    group_first_[f] = f;
    group_len_[f] = 1;
  }
  OpenPage(0);
}

HybridLog::~HybridLog() {
  for (uint64_t f = 0; f < frame_count_; ++f) {
    // Only a group's first frame owns its buffer.
    char* p = frames_[f].load();
    if (p != nullptr && group_first_[f] % frame_count_ == f) {
      if (has_objects_[f].load() != 0) {
        FreeObjectsIn(p, group_len_[f] * page_size_, group_first_[f] == 0 ? kFirstValidAddress : 0);
      }
      ::munmap(p, group_len_[f] * page_size_);
    }
  }
}

void HybridLog::AdvanceMax(std::atomic<Address>& a, Address v) {
  Address cur = a.load(std::memory_order_acquire);
  while (cur < v && !a.compare_exchange_weak(cur, v, std::memory_order_acq_rel)) {
  }
}

void HybridLog::OpenPage(uint64_t page) {
  uint64_t f = page % frame_count_;
  char* buf = MapZeroed(page_size_);
  frame_bytes_.fetch_add(page_size_, std::memory_order_relaxed);
  group_first_[f] = page;
  group_len_[f] = 1;
  has_objects_[f].store(0, std::memory_order_relaxed);
  frames_[f].store(buf, std::memory_order_release);
  page_ready_[f].store(page + 1, std::memory_order_release);
}

void HybridLog::OpenLargePages(uint64_t first, uint64_t count) {
  char* buf = MapZeroed(count * page_size_);
  frame_bytes_.fetch_add(count * page_size_, std::memory_order_relaxed);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t f = (first + i) % frame_count_;
    group_first_[f] = first;
    group_len_[f] = count;
    has_objects_[f].store(0, std::memory_order_relaxed);
    frames_[f].store(buf + i * page_size_, std::memory_order_release);
    page_ready_[f].store(first + i + 1, std::memory_order_release);
  }
}

void HybridLog::WaitPageReady(uint64_t page) const {
  const auto& ready = page_ready_[page % frame_count_];
  while (ready.load(std::memory_order_acquire) != page + 1) std::this_thread::yield();
}

Address HybridLog::Allocate(uint64_t size, AllocFailure* failure) {
  *failure = AllocFailure::kNone;
  Address t = tail_.load(std::memory_order_acquire);
  if (size >= page_size_) {
    uint64_t k = (size + page_size_ - 1) >> page_bits_;
    if (k + 3 > frame_count_) {
      *failure = AllocFailure::kTooLarge;
      return kInvalidAddress;
    }
    for (;;) {
      uint64_t first = (t >> page_bits_) + 1;
      uint64_t next_tail_page = first + k;
      if (!FrameAvailable(next_tail_page)) {
        uint64_t want = k + 2, cur = wanted_spare_.load(std::memory_order_relaxed);
        while (cur < want && !wanted_spare_.compare_exchange_weak(cur, want)) {
        }
        wake_worker_();
        *failure = AllocFailure::kRetryLater;
        return kInvalidAddress;
      }
      if (tail_.compare_exchange_weak(t, next_tail_page << page_bits_, std::memory_order_acq_rel)) {
        wanted_spare_.store(0, std::memory_order_relaxed);
        OpenLargePages(first, k);
        OpenPage(next_tail_page);
        OnPagesOpened(next_tail_page);
        return first << page_bits_;
      }
    }
  }
  for (;;) {
    uint64_t off = t & page_mask_;
    // Strictly less: the tail never rests on an unopened page boundary.
    if (off + size < page_size_) {
      if (tail_.compare_exchange_weak(t, t + size, std::memory_order_acq_rel)) {
        WaitPageReady(t >> page_bits_);
        return t;
      }
      continue;
    }
    uint64_t q = (t >> page_bits_) + 1;
    if (!FrameAvailable(q)) {
      wake_worker_();
      *failure = AllocFailure::kRetryLater;
      return kInvalidAddress;
    }
    if (tail_.compare_exchange_weak(t, (q << page_bits_) + size, std::memory_order_acq_rel)) {
      OpenPage(q);
      OnPagesOpened(q);
      return q << page_bits_;
    }
  }
}

void HybridLog::OnPagesOpened(uint64_t newest_page) {
  if (newest_page + 1 > config_.mutable_pages) {
    ShiftReadOnlyAddress((newest_page + 1 - config_.mutable_pages) << page_bits_);
  }
  // The worker keeps frames free ahead of the tail; a new page is its cue.
  wake_worker_();
}

void HybridLog::ShiftReadOnlyAddress(Address target) {
  target = std::min(target, tail_.load(std::memory_order_acquire) & ~page_mask_);
  if (target <= read_only_.load(std::memory_order_acquire)) return;
  AdvanceMax(read_only_, target);
  epoch_->BumpEpoch([this, target] {
    AdvanceMax(safe_read_only_, target);
    wake_worker_();
  });
}

Address HybridLog::DesiredHeadAddress(uint64_t memory_pages) const {
  uint64_t pages = std::clamp<uint64_t>(memory_pages, 4, frame_count_);
  uint64_t tail_page = tail_.load(std::memory_order_acquire) >> page_bits_;
  uint64_t spare = std::max<uint64_t>(2, wanted_spare_.load(std::memory_order_relaxed));
  Address head = head_.load(std::memory_order_acquire);
  if (tail_page + spare <= pages) return head;
  return std::max(head, (tail_page + spare - pages) << page_bits_);
}

Address HybridLog::HeadTargetOutsideGroup(Address target) const {
  uint64_t page = target >> page_bits_;
  uint64_t tail_page = tail_.load(std::memory_order_acquire) >> page_bits_;
  if (page >= tail_page || page == 0) return target;
  uint64_t f = page % frame_count_;
  if (page_ready_[f].load(std::memory_order_acquire) != page + 1) return target;
  uint64_t first = group_first_[f];
  if (first == page) return target;
  Address end = (first + group_len_[first % frame_count_]) << page_bits_;
  return end <= flushed_until_.load(std::memory_order_acquire) ? end : first << page_bits_;
}

bool HybridLog::ShiftHeadAddress(Address target) {
  target = std::min(target, flushed_until_.load(std::memory_order_acquire)) & ~page_mask_;
  target = HeadTargetOutsideGroup(target);
  if (target <= head_.load(std::memory_order_acquire)) return false;
  AdvanceMax(head_, target);
  epoch_->BumpEpoch([this, target] {
    AdvanceMax(safe_head_, target);
    ClosePages(0, target);
    wake_worker_();
  });
  return true;
}

void HybridLog::ClosePages(Address, Address to) {
  std::lock_guard lock(close_mu_);
  Address from = closed_until_.load(std::memory_order_acquire);
  for (uint64_t p = from >> page_bits_; p < (to >> page_bits_); ++p) {
    uint64_t f = p % frame_count_;
    char* buf = frames_[f].load(std::memory_order_acquire);
    uint64_t first = group_first_[f];
    uint64_t len = group_len_[f];
    // A group's buffer is freed with its last page; its first frame owns it.
    if (buf != nullptr && p == first + len - 1) {
      char* group = frames_[first % frame_count_].load(std::memory_order_acquire);
      // No thread can reach these records any more: their objects go with the frame.
      if (has_objects_[first % frame_count_].load(std::memory_order_relaxed) != 0) {
        FreeObjectsIn(group, len * page_size_, first == 0 ? kFirstValidAddress : 0);
      }
      ::munmap(group, len * page_size_);
      frame_bytes_.fetch_sub(len * page_size_, std::memory_order_relaxed);
      for (uint64_t i = 0; i < len; ++i) {
        frames_[(first + i) % frame_count_].store(nullptr, std::memory_order_release);
      }
    }
  }
  if (to > from) closed_until_.store(to, std::memory_order_release);
}

Status HybridLog::FlushOnePage(uint64_t page) {
  const Address start = page << page_bits_;
  uint64_t f = page % frame_count_;
  uint64_t len = group_first_[f] == page ? group_len_[f] : 1;
  const uint64_t bytes = len * page_size_;
  if (start + bytes <= begin_.load(std::memory_order_acquire)) {
    // FlushAll or eviction already discarded these addresses: nothing to keep.
    return Status::Ok();
  }
  if (staging_.size() < bytes) staging_.resize(bytes);
  std::memset(staging_.data(), 0, bytes);
  Address pos = std::max(start, kFirstValidAddress);
  const Address end = start + bytes;
  uint64_t seg = start >> segment_bits_;
  const bool objects = has_objects_[f].load(std::memory_order_relaxed) != 0;
  // Records of a page (or group) all start in the segment of its first byte.
  const uint64_t object_base = objects ? object_log_tail_[seg] : 0;
  object_staging_.clear();
  while (pos + kRecordHeaderSize <= end) {
    const LogRecord* rec = LogRecord::At(Get(pos));
    uint64_t info = rec->LoadInfo();
    if (!InfoAllocated(info)) break;
    uint64_t size = rec->size();
    if (pos + size > end) break;  // cannot happen for a sealed page; never write past it
    if (InfoObject(info)) {
      // Below SafeReadOnlyAddress the object is immutable, so serialising it needs no lock.
      // Tombstones, unpublished records and sealed (superseded) records are never read from
      // disk: their slot stays empty.
      const StoredObject* obj = rec->LoadObject();
      uint32_t lock = std::atomic_ref<uint32_t>(const_cast<uint32_t&>(rec->lock_or_checksum))
                          .load(std::memory_order_acquire);
      ObjectDescriptor d;
      const ObjectDescriptor* dp = nullptr;
      if (obj != nullptr && !InfoTombstone(info) && !InfoInvalid(info) &&
          (lock & kLockSealed) == 0) {
        size_t before = object_staging_.size();
        obj->Serialize(&object_staging_);
        d.offset = object_base + before;
        d.length = object_staging_.size() - before;
        d.checksum = ObjectChecksum(std::string_view(object_staging_).substr(before));
        dp = &d;
      }
      EncodeForDisk(*rec, staging_.data() + (pos - start), dp);
    } else {
      EncodeForDisk(*rec, staging_.data() + (pos - start));
    }
    pos += size;
  }
  uint64_t last_seg = (end - 1) >> segment_bits_;
  for (; opened_segments_ <= last_seg; ++opened_segments_) {
    Status st = device_->Open(opened_segments_);
    if (!st.ok()) return st;
  }
  if (!object_staging_.empty()) {
    // Objects first: an on-disk record never points at object bytes not yet written.
    Status st = device_->Open(kObjectLogSegmentBase + seg);
    if (st.ok()) {
      st = device_->Write(kObjectLogSegmentBase + seg, object_base, object_staging_.data(),
                          object_staging_.size());
    }
    if (!st.ok()) return st;
    object_log_tail_[seg] = object_base + object_staging_.size();
    object_log_bytes_.fetch_add(object_staging_.size(), std::memory_order_relaxed);
  }
  // A group of pages may span two segments.
  Address a = start;
  for (; seg <= last_seg; ++seg) {
    Address seg_end = (seg + 1) << segment_bits_;
    uint64_t n = std::min(end, seg_end) - a;
    Status st = device_->Write(seg, a & ((uint64_t{1} << segment_bits_) - 1),
                               staging_.data() + (a - start), n);
    if (!st.ok()) return st;
    a += n;
  }
  return Status::Ok();
}

Status HybridLog::FlushPages() {
  for (;;) {
    Address from = flushed_until_.load(std::memory_order_acquire);
    Address limit = safe_read_only_.load(std::memory_order_acquire);
    if (from >= limit) break;
    uint64_t page = from >> page_bits_;
    uint64_t f = page % frame_count_;
    uint64_t len = group_first_[f] == page ? group_len_[f] : 1;
    Address end = (page + len) << page_bits_;
    if (end > limit) break;
    if (config_.max_disk != 0 &&
        end - begin_.load(std::memory_order_acquire) + ObjectLogBytes() > config_.max_disk) {
      disk_full_.store(true, std::memory_order_release);
      return Status::NoSpace("storage.max_disk reached");
    }
    // A root span per flushed page (or large-record group): docs/telemetry.md, "Spans".
    telemetry::ScopedSpan span(telemetry::semconv::kSpanPageFlush);
    span.SetInt(telemetry::semconv::kStorageBytes, static_cast<int64_t>(end - from));
    Status st = FlushOnePage(page);
    if (!st.ok()) {
      span.SetError(st.message());
      std::lock_guard lock(error_mu_);
      flush_error_ = st;
      return st;
    }
    flushed_until_.store(end, std::memory_order_release);
  }
  disk_full_.store(false, std::memory_order_release);
  std::lock_guard lock(error_mu_);
  flush_error_ = Status::Ok();
  return Status::Ok();
}

Status HybridLog::last_flush_error() const {
  std::lock_guard lock(error_mu_);
  return flush_error_;
}

void HybridLog::ShiftBeginAddress(Address target) {
  if (target <= begin_.load(std::memory_order_acquire)) return;
  AdvanceMax(begin_, target);
  epoch_->BumpEpoch([this, target] {
    uint64_t seg = target >> segment_bits_;
    uint64_t cur = dead_below_segment_.load(std::memory_order_acquire);
    while (cur < seg && !dead_below_segment_.compare_exchange_weak(cur, seg)) {
    }
    wake_worker_();
  });
}

void HybridLog::RemoveDeadSegments() {
  uint64_t below = dead_below_segment_.load(std::memory_order_acquire);
  // Never delete a segment the flusher may still write (pages below FlushedUntil are done).
  below = std::min(below, flushed_until_.load(std::memory_order_acquire) >> segment_bits_);
  for (; removed_below_segment_ < below; ++removed_below_segment_) {
    if (removed_below_segment_ < opened_segments_) (void)device_->Remove(removed_below_segment_);
    auto it = object_log_tail_.find(removed_below_segment_);
    if (it != object_log_tail_.end()) {
      (void)device_->Remove(kObjectLogSegmentBase + removed_below_segment_);
      object_log_bytes_.fetch_sub(it->second, std::memory_order_relaxed);
      object_log_tail_.erase(it);
    }
  }
}

Status HybridLog::ReadRaw(Address address, void* buf, size_t n) {
  char* out = static_cast<char*>(buf);
  const uint64_t seg_mask = (uint64_t{1} << segment_bits_) - 1;
  while (n > 0) {
    uint64_t seg = address >> segment_bits_;
    uint64_t chunk = std::min<uint64_t>(n, ((seg + 1) << segment_bits_) - address);
    Status st = device_->Read(seg, address & seg_mask, out, chunk);
    if (!st.ok()) return st;
    out += chunk;
    address += chunk;
    n -= chunk;
  }
  return Status::Ok();
}

Status HybridLog::ReadRecordSync(Address address, std::string* out) {
  Address flushed = flushed_until_.load(std::memory_order_acquire);
  if (address + kRecordHeaderSize > flushed) return Status::IoError("address not on disk");
  uint64_t first = std::min<uint64_t>(4096, flushed - address);
  out->resize(first);
  Status st = ReadRaw(address, out->data(), first);
  if (!st.ok()) return st;
  const LogRecord* rec = LogRecord::At(out->data());
  uint64_t size = RecordSize(rec->key_len, rec->value_capacity);
  if (size > first) {
    if (address + size > flushed || rec->value_capacity > (uint64_t{1} << 40)) {
      return Status::Corruption("record header points past the log");
    }
    out->resize(size);
    st = ReadRaw(address, out->data(), size);
    if (!st.ok()) return st;
  }
  if (!VerifyDiskRecord(out->data(), out->size())) {
    return Status::Corruption("record checksum mismatch");
  }
  out->resize(LogRecord::At(out->data())->size());
  return Status::Ok();
}

void HybridLog::FreeObject(LogRecord& rec) {
  StoredObject* obj = rec.ExchangeObject(nullptr);
  if (obj == nullptr) return;
  ChargeObjects(-static_cast<int64_t>(rec.object_charge()), -1);
  delete obj;
}

void HybridLog::FreeObjectsIn(char* buf, uint64_t bytes, uint64_t first) {
  for (uint64_t pos = first; pos + kRecordHeaderSize <= bytes;) {
    LogRecord* rec = LogRecord::At(buf + pos);
    uint64_t info = rec->LoadInfo();
    if (!InfoAllocated(info)) break;
    uint64_t size = rec->size();
    if (pos + size > bytes) break;
    if (InfoObject(info)) FreeObject(*rec);
    pos += size;
  }
}

void HybridLog::ForEachObjectRecord(const std::function<void(LogRecord&, Address)>& fn) {
  const Address tail = tail_.load(std::memory_order_acquire);
  uint64_t page = head_.load(std::memory_order_acquire) >> page_bits_;
  const uint64_t last = tail >> page_bits_;
  while (page <= last) {
    uint64_t f = page % frame_count_;
    if (page_ready_[f].load(std::memory_order_acquire) != page + 1 || group_first_[f] != page) {
      ++page;
      continue;
    }
    const uint64_t len = group_len_[f];
    if (has_objects_[f].load(std::memory_order_relaxed) != 0) {
      char* buf = frames_[f].load(std::memory_order_acquire);
      const uint64_t bytes = len * page_size_;
      for (uint64_t pos = page == 0 ? kFirstValidAddress : 0; pos + kRecordHeaderSize <= bytes;) {
        LogRecord* rec = LogRecord::At(buf + pos);
        uint64_t info = rec->LoadInfo();
        if (!InfoAllocated(info)) break;
        uint64_t size = rec->size();
        if (pos + size > bytes) break;
        if (InfoObject(info)) fn(*rec, (page << page_bits_) + pos);
        pos += size;
      }
    }
    page += len;
  }
}

Result<std::unique_ptr<StoredObject>> HybridLog::ReadObjectSync(Address address,
                                                                const LogRecord& rec) {
  ObjectDescriptor d = ReadObjectDescriptor(rec);
  if (d.length == 0 || d.length > (uint64_t{1} << 40)) {
    return Status::Corruption("object record without its object");
  }
  std::string bytes(d.length, '\0');
  Status st = device_->Read(kObjectLogSegmentBase + (address >> segment_bits_), d.offset,
                            bytes.data(), bytes.size());
  if (!st.ok()) return st.code() == StatusCode::kNoSpace ? Status::IoError(st.message()) : st;
  if (ObjectChecksum(bytes) != d.checksum) return Status::Corruption("object checksum mismatch");
  return DeserializeObject(InfoType(rec.LoadInfo()), bytes);
}

}  // namespace ferrite::storage::hlog
