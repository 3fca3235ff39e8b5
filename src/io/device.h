#pragma once
// Device: the HybridLog's view of storage, a set of numbered segment files under one directory.
//
// Two kinds of calls:
//   - Synchronous Read / Write / Truncate / Remove: safe from any thread at once (pread/pwrite
//     semantics). Scans and the page flusher use them.
//   - Asynchronous SubmitRead + Poll: owned by ONE thread (the store's I/O worker). SubmitRead
//     queues a read; Poll reaps finished ones and calls their IoCallback on the polling thread.
//     The io_uring device overlaps reads in the kernel; the portable device performs the read at
//     submit time and reports it at the next Poll, so callers see one behaviour.
//
// Errors map to Status: ENOSPC -> kNoSpace, a short read past the end -> kIoError, anything else
// -> kIoError with the errno text. Implementations: PosixDevice (pread/pwrite), UringDevice
// (FERRITE_IO_URING=1), MemDevice (tests), FaultyDevice (fault injection around another device).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "base/status.h"

namespace ferrite::io {

// Completion of an asynchronous read. Called exactly once, on the thread that calls Poll().
class IoCallback {
 public:
  virtual ~IoCallback() = default;
  virtual void OnIoComplete(Status status) = 0;
};

class Device {
 public:
  virtual ~Device() = default;

  // Opens (creating if needed) segment `segment`. Idempotent. Thread-safe.
  virtual Status Open(uint64_t segment) = 0;
  // Closes and deletes segment `segment`. REQUIRES: no read or write on it is in flight.
  virtual Status Remove(uint64_t segment) = 0;
  // Writes all `n` bytes at `offset` of `segment` (opened). Thread-safe.
  virtual Status Write(uint64_t segment, uint64_t offset, const void* data, size_t n) = 0;
  // Reads exactly `n` bytes. Thread-safe.
  virtual Status Read(uint64_t segment, uint64_t offset, void* data, size_t n) = 0;
  // Makes written data durable (fdatasync). Thread-safe.
  virtual Status Sync(uint64_t segment) = 0;

  // Queues a read of `n` bytes into `data`; `cb` runs from a later Poll(). Single-threaded with
  // Poll. A non-OK return means the read was not queued and `cb` will not be called.
  virtual Status SubmitRead(uint64_t segment, uint64_t offset, void* data, size_t n,
                            IoCallback* cb) = 0;
  // Completes finished reads, waiting up to `timeout_us` for at least one when any is in flight.
  // Returns the number completed.
  virtual size_t Poll(uint64_t timeout_us) = 0;
  // Reads submitted and not yet completed.
  virtual size_t InFlight() const = 0;
  // "io_uring", "posix", "memory", "faulty(...)".
  virtual std::string Name() const = 0;
};

// The production device for `dir` (created if missing): io_uring when built with
// FERRITE_IO_URING=1 and the kernel allows it, otherwise pread/pwrite.
Result<std::unique_ptr<Device>> NewFileDevice(const std::string& dir);

// File name of a segment: "<dir>/hlog.<segment>" (decimal).
std::string SegmentPath(const std::string& dir, uint64_t segment);

}  // namespace ferrite::io
