#include "io/faulty_device.h"

namespace ferrite::io {

// Flips the configured bit in an asynchronous read's buffer before handing it to the caller.
class FaultyDevice::FlipCallback final : public IoCallback {
 public:
  FlipCallback(FaultyDevice* dev, void* data, size_t n, IoCallback* cb)
      : dev_(dev), data_(data), n_(n), cb_(cb) {}
  void OnIoComplete(Status status) override {
    if (status.ok()) dev_->MaybeFlip(data_, n_);
    IoCallback* cb = cb_;
    delete this;
    cb->OnIoComplete(std::move(status));
  }

 private:
  FaultyDevice* dev_;
  void* data_;
  size_t n_;
  IoCallback* cb_;
};

void FaultyDevice::MaybeFlip(void* data, size_t n) {
  if (!flip_reads_.load()) return;
  uint64_t off = flip_offset_.load();
  if (off < n) static_cast<unsigned char*>(data)[off] ^= 1;
}

Status FaultyDevice::FlipBitForTest(uint64_t segment, uint64_t offset) {
  unsigned char byte;
  Status st = inner_->Read(segment, offset, &byte, 1);
  if (!st.ok()) return st;
  byte ^= 1;
  return inner_->Write(segment, offset, &byte, 1);
}

Status FaultyDevice::Write(uint64_t segment, uint64_t offset, const void* data, size_t n) {
  if (no_space_.load()) {
    writes_failed_.fetch_add(1);
    return Status::NoSpace("injected: no space left on device");
  }
  uint64_t budget = space_budget_.load();
  if (budget != 0 && written_.fetch_add(n) + n > budget) {
    writes_failed_.fetch_add(1);
    return Status::NoSpace("injected: space budget exhausted");
  }
  if (fail_writes_.load()) {
    writes_failed_.fetch_add(1);
    return Status::IoError("injected: write failed");
  }
  int torn = torn_writes_.load();
  while (torn > 0 && !torn_writes_.compare_exchange_weak(torn, torn - 1)) {
  }
  if (torn > 0) return inner_->Write(segment, offset, data, n / 2);
  return inner_->Write(segment, offset, data, n);
}

Status FaultyDevice::Read(uint64_t segment, uint64_t offset, void* data, size_t n) {
  Status st = inner_->Read(segment, offset, data, n);
  if (st.ok()) MaybeFlip(data, n);
  return st;
}

Status FaultyDevice::SubmitRead(uint64_t segment, uint64_t offset, void* data, size_t n,
                                IoCallback* cb) {
  auto* wrapped = new FlipCallback(this, data, n, cb);
  Status st = inner_->SubmitRead(segment, offset, data, n, wrapped);
  if (!st.ok()) delete wrapped;
  return st;
}

}  // namespace ferrite::io
