#pragma once
// FaultyDevice: wraps another Device and injects the failures a real disk produces, so tests can
// check the store's degraded modes (leveldb's FaultInjectionEnv, FASTER's null_disk):
//   - full disk: writes fail with NoSpace (always, or once a byte budget is used up);
//   - failing writes: writes fail with IoError;
//   - torn writes: the next N writes persist only their first half but report success;
//   - bit flips: flip one bit of stored data, or of every read's result.
//
// Thread safety: as Device; the knobs are atomics and may be flipped while I/O runs.

#include <atomic>
#include <memory>
#include <string>

#include "io/device.h"

namespace ferrite::io {

class FaultyDevice final : public Device {
 public:
  explicit FaultyDevice(std::unique_ptr<Device> inner) : inner_(std::move(inner)) {}

  void set_no_space(bool on) { no_space_.store(on); }
  // Writes fail with NoSpace once `bytes` more bytes have been written (0 disables).
  void set_space_budget(uint64_t bytes) {
    written_.store(0);
    space_budget_.store(bytes);
  }
  void set_fail_writes(bool on) { fail_writes_.store(on); }
  void set_torn_writes(int count) { torn_writes_.store(count); }
  // Flip bit 0 of byte `offset` of every read's buffer (relative to the read's start) when
  // enabled; a read shorter than that is left alone.
  void set_flip_reads(bool on, uint64_t offset = 24) {
    flip_offset_.store(offset);
    flip_reads_.store(on);
  }
  // Flips one stored bit of `segment` at `offset` (persistent corruption).
  Status FlipBitForTest(uint64_t segment, uint64_t offset);

  uint64_t writes_failed() const { return writes_failed_.load(); }
  Device& inner() { return *inner_; }

  Status Open(uint64_t segment) override { return inner_->Open(segment); }
  Status Remove(uint64_t segment) override { return inner_->Remove(segment); }
  Status Write(uint64_t segment, uint64_t offset, const void* data, size_t n) override;
  Status Read(uint64_t segment, uint64_t offset, void* data, size_t n) override;
  Status Sync(uint64_t segment) override { return inner_->Sync(segment); }
  Status SubmitRead(uint64_t segment, uint64_t offset, void* data, size_t n,
                    IoCallback* cb) override;
  size_t Poll(uint64_t timeout_us) override { return inner_->Poll(timeout_us); }
  size_t InFlight() const override { return inner_->InFlight(); }
  std::string Name() const override { return "faulty(" + inner_->Name() + ")"; }

 private:
  class FlipCallback;
  void MaybeFlip(void* data, size_t n);

  std::unique_ptr<Device> inner_;
  std::atomic<bool> no_space_{false};
  std::atomic<uint64_t> space_budget_{0};
  std::atomic<uint64_t> written_{0};
  std::atomic<bool> fail_writes_{false};
  std::atomic<int> torn_writes_{0};
  std::atomic<bool> flip_reads_{false};
  std::atomic<uint64_t> flip_offset_{24};
  std::atomic<uint64_t> writes_failed_{0};
};

}  // namespace ferrite::io
