#pragma once
// PosixDevice: segment files under a directory, read and written with pread/pwrite. Its
// asynchronous reads run synchronously inside SubmitRead and complete at the next Poll(): the
// `lite` profile (FERRITE_IO_URING=0) uses it, and UringDevice inherits its synchronous paths.
//
// Thread safety: as Device. The fd table is guarded by a mutex; an fd is looked up per call.

#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "io/device.h"

namespace ferrite::io {

class PosixDevice : public Device {
 public:
  // REQUIRES: `dir` exists.
  explicit PosixDevice(std::string dir) : dir_(std::move(dir)) {}
  ~PosixDevice() override;

  Status Open(uint64_t segment) override;
  Status Remove(uint64_t segment) override;
  Status Write(uint64_t segment, uint64_t offset, const void* data, size_t n) override;
  Status Read(uint64_t segment, uint64_t offset, void* data, size_t n) override;
  Status Sync(uint64_t segment) override;
  Status SubmitRead(uint64_t segment, uint64_t offset, void* data, size_t n,
                    IoCallback* cb) override;
  size_t Poll(uint64_t timeout_us) override;
  size_t InFlight() const override { return completed_.size(); }
  std::string Name() const override { return "posix"; }

 protected:
  // The fd of an opened segment, or -1.
  int Fd(uint64_t segment);
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::mutex mu_;
  std::unordered_map<uint64_t, int> fds_;  // GUARDED_BY(mu_)
  // Emulated completions; touched only by the owning thread.
  std::deque<std::pair<IoCallback*, Status>> completed_;
};

// Maps an errno to a Status: ENOSPC/EDQUOT -> NoSpace, else IoError with `what`.
Status ErrnoStatus(int err, const char* what);

}  // namespace ferrite::io
