#pragma once
// AofIo: the persistence layer's narrow view of the file system, so tests can inject faults.
//
// The AOF needs few operations: append-style positional writes, fdatasync, truncate, rename,
// fsync of a directory, and sequential reads for recovery. PosixAofIo does them with plain
// syscalls; FaultyAofIo wraps another AofIo and fails chosen operations (ENOSPC after a byte
// budget, failing fsync, short "torn" writes) until told to heal, which is how the degraded-mode
// tests simulate a full or failing disk.
//
// Errors map to Status: ENOSPC/EDQUOT -> kNoSpace, everything else -> kIoError, with the path and
// the errno text in the message.
//
// Thread safety: an AofIo may be used from any thread. An AofFile is used by one thread at a
// time (the AOF writer thread or the rewrite thread); FaultyAofIo's switches are atomics.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "base/status.h"

namespace ferrite::persistence {

class AofFile {
 public:
  virtual ~AofFile() = default;
  // Writes all `n` bytes at `offset`. A failure may leave a prefix written.
  virtual Status WriteAt(uint64_t offset, const void* data, size_t n) = 0;
  // Reads up to `n` bytes at `offset`; returns the count (0 at end of file).
  virtual Result<size_t> ReadAt(uint64_t offset, void* data, size_t n) = 0;
  virtual Status Sync() = 0;  // fdatasync
  virtual Status Truncate(uint64_t size) = 0;
  virtual Result<uint64_t> Size() = 0;
};

class AofIo {
 public:
  virtual ~AofIo() = default;
  // Opens `path` for reading and writing, creating it when `create` (never truncating).
  virtual Result<std::unique_ptr<AofFile>> Open(const std::string& path, bool create) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  virtual Status Remove(const std::string& path) = 0;
  // fsync of a directory, so a rename or creation inside it survives a crash.
  virtual Status SyncDir(const std::string& dir) = 0;
  virtual bool Exists(const std::string& path) = 0;
};

// The process-wide POSIX implementation.
AofIo& PosixIo();

// Fault injection around another AofIo. Every switch can be flipped at any time from any thread.
class FaultyAofIo final : public AofIo {
 public:
  explicit FaultyAofIo(AofIo& base) : base_(base) {}

  // Writes fail with ENOSPC once this many more bytes have been written (a write crossing the
  // budget writes the part that fits, as a full disk does). Negative = unlimited.
  std::atomic<int64_t> space_left{-1};
  // Sync() fails with EIO while set.
  std::atomic<bool> fail_sync{false};
  // Writes fail with EIO while set (nothing written).
  std::atomic<bool> fail_write{false};
  // Counters for assertions.
  std::atomic<uint64_t> syncs{0};
  std::atomic<uint64_t> failed_syncs{0};
  std::atomic<uint64_t> failed_writes{0};

  void Heal() {
    space_left = -1;
    fail_sync = false;
    fail_write = false;
  }

  Result<std::unique_ptr<AofFile>> Open(const std::string& path, bool create) override;
  Status Rename(const std::string& from, const std::string& to) override {
    return base_.Rename(from, to);
  }
  Status Remove(const std::string& path) override { return base_.Remove(path); }
  Status SyncDir(const std::string& dir) override { return base_.SyncDir(dir); }
  bool Exists(const std::string& path) override { return base_.Exists(path); }

 private:
  class File;
  AofIo& base_;
};

// Reads the whole file (tests and small tools only).
Result<std::string> ReadWholeFile(AofIo& io, const std::string& path);

}  // namespace ferrite::persistence
