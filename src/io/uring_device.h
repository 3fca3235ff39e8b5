#pragma once
// UringDevice: PosixDevice whose asynchronous reads go through an io_uring (liburing), so the
// store's I/O worker keeps many disk reads in flight without blocking. Synchronous calls are
// inherited (pread/pwrite). Built only with FERRITE_IO_URING=1.
//
// Thread safety: as Device. The ring is touched only by the thread calling SubmitRead / Poll.

#if FERRITE_IO_URING

#include <liburing.h>

#include <memory>
#include <string>

#include "io/posix_device.h"

namespace ferrite::io {

class UringDevice final : public PosixDevice {
 public:
  // Sets up a ring of `entries` submission slots; fails when the kernel refuses io_uring.
  static Result<std::unique_ptr<UringDevice>> Create(std::string dir, unsigned entries = 256);
  ~UringDevice() override;

  Status SubmitRead(uint64_t segment, uint64_t offset, void* data, size_t n,
                    IoCallback* cb) override;
  size_t Poll(uint64_t timeout_us) override;
  size_t InFlight() const override { return in_flight_; }
  std::string Name() const override { return "io_uring"; }

 private:
  struct Request;
  explicit UringDevice(std::string dir) : PosixDevice(std::move(dir)) {}
  bool Queue(Request* req);  // false when the submission queue is full

  io_uring ring_{};
  size_t in_flight_ = 0;
  size_t unsubmitted_ = 0;
};

}  // namespace ferrite::io

#endif  // FERRITE_IO_URING
