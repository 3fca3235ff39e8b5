#pragma once
// MemDevice: segments held in process memory, for tests that want disk-region behaviour without
// touching the filesystem. Asynchronous reads complete at the next Poll(), like PosixDevice.
//
// Thread safety: as Device; one mutex guards the segment map.

#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "io/device.h"

namespace ferrite::io {

class MemDevice final : public Device {
 public:
  Status Open(uint64_t segment) override;
  Status Remove(uint64_t segment) override;
  Status Write(uint64_t segment, uint64_t offset, const void* data, size_t n) override;
  Status Read(uint64_t segment, uint64_t offset, void* data, size_t n) override;
  Status Sync(uint64_t) override { return Status::Ok(); }
  Status SubmitRead(uint64_t segment, uint64_t offset, void* data, size_t n,
                    IoCallback* cb) override;
  size_t Poll(uint64_t timeout_us) override;
  size_t InFlight() const override { return completed_.size(); }
  std::string Name() const override { return "memory"; }

  // Bytes held across all segments.
  size_t BytesForTest();
  size_t SegmentCountForTest();

 private:
  std::mutex mu_;
  std::unordered_map<uint64_t, std::string> segments_;    // GUARDED_BY(mu_)
  std::deque<std::pair<IoCallback*, Status>> completed_;  // owner thread only
};

}  // namespace ferrite::io
