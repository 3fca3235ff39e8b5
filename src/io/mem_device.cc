#include "io/mem_device.h"

#include <cstring>

namespace ferrite::io {

Status MemDevice::Open(uint64_t segment) {
  std::lock_guard lock(mu_);
  segments_.try_emplace(segment);
  return Status::Ok();
}

Status MemDevice::Remove(uint64_t segment) {
  std::lock_guard lock(mu_);
  segments_.erase(segment);
  return Status::Ok();
}

Status MemDevice::Write(uint64_t segment, uint64_t offset, const void* data, size_t n) {
  std::lock_guard lock(mu_);
  auto it = segments_.find(segment);
  if (it == segments_.end()) return Status::IoError("write to a segment that is not open");
  std::string& s = it->second;
  if (s.size() < offset + n) s.resize(offset + n, '\0');
  std::memcpy(s.data() + offset, data, n);
  return Status::Ok();
}

Status MemDevice::Read(uint64_t segment, uint64_t offset, void* data, size_t n) {
  std::lock_guard lock(mu_);
  auto it = segments_.find(segment);
  if (it == segments_.end()) return Status::IoError("read from a segment that is not open");
  const std::string& s = it->second;
  if (offset + n > s.size()) return Status::IoError("short read past the end of a segment");
  std::memcpy(data, s.data() + offset, n);
  return Status::Ok();
}

Status MemDevice::SubmitRead(uint64_t segment, uint64_t offset, void* data, size_t n,
                             IoCallback* cb) {
  completed_.emplace_back(cb, Read(segment, offset, data, n));
  return Status::Ok();
}

size_t MemDevice::Poll(uint64_t) {
  size_t done = 0;
  while (!completed_.empty()) {
    auto [cb, st] = std::move(completed_.front());
    completed_.pop_front();
    cb->OnIoComplete(std::move(st));
    ++done;
  }
  return done;
}

size_t MemDevice::BytesForTest() {
  std::lock_guard lock(mu_);
  size_t total = 0;
  for (auto& [seg, s] : segments_) total += s.size();
  return total;
}

size_t MemDevice::SegmentCountForTest() {
  std::lock_guard lock(mu_);
  return segments_.size();
}

}  // namespace ferrite::io
