#include "io/posix_device.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace ferrite::io {

Status ErrnoStatus(int err, const char* what) {
  std::string msg = std::string(what) + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) return Status::NoSpace(msg);
  return Status::IoError(msg);
}

std::string SegmentPath(const std::string& dir, uint64_t segment) {
  return dir + "/hlog." + std::to_string(segment);
}

PosixDevice::~PosixDevice() {
  for (auto& [seg, fd] : fds_) ::close(fd);
}

int PosixDevice::Fd(uint64_t segment) {
  std::lock_guard lock(mu_);
  auto it = fds_.find(segment);
  return it == fds_.end() ? -1 : it->second;
}

Status PosixDevice::Open(uint64_t segment) {
  std::lock_guard lock(mu_);
  if (fds_.count(segment)) return Status::Ok();
  int fd = ::open(SegmentPath(dir_, segment).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(errno, "open segment");
  fds_[segment] = fd;
  return Status::Ok();
}

Status PosixDevice::Remove(uint64_t segment) {
  std::lock_guard lock(mu_);
  auto it = fds_.find(segment);
  if (it != fds_.end()) {
    ::close(it->second);
    fds_.erase(it);
  }
  if (::unlink(SegmentPath(dir_, segment).c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus(errno, "unlink segment");
  }
  return Status::Ok();
}

Status PosixDevice::Write(uint64_t segment, uint64_t offset, const void* data, size_t n) {
  int fd = Fd(segment);
  if (fd < 0) return Status::IoError("write to a segment that is not open");
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "pwrite");
    }
    p += w;
    offset += static_cast<uint64_t>(w);
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

Status PosixDevice::Read(uint64_t segment, uint64_t offset, void* data, size_t n) {
  int fd = Fd(segment);
  if (fd < 0) return Status::IoError("read from a segment that is not open");
  char* p = static_cast<char*>(data);
  while (n > 0) {
    ssize_t r = ::pread(fd, p, n, static_cast<off_t>(offset));
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "pread");
    }
    if (r == 0) return Status::IoError("short read past the end of a segment");
    p += r;
    offset += static_cast<uint64_t>(r);
    n -= static_cast<size_t>(r);
  }
  return Status::Ok();
}

Status PosixDevice::Sync(uint64_t segment) {
  int fd = Fd(segment);
  if (fd < 0) return Status::IoError("sync of a segment that is not open");
  if (::fdatasync(fd) != 0) return ErrnoStatus(errno, "fdatasync");
  return Status::Ok();
}

Status PosixDevice::SubmitRead(uint64_t segment, uint64_t offset, void* data, size_t n,
                               IoCallback* cb) {
  completed_.emplace_back(cb, Read(segment, offset, data, n));
  return Status::Ok();
}

size_t PosixDevice::Poll(uint64_t) {
  size_t done = 0;
  while (!completed_.empty()) {
    auto [cb, st] = std::move(completed_.front());
    completed_.pop_front();
    cb->OnIoComplete(std::move(st));
    ++done;
  }
  return done;
}

}  // namespace ferrite::io
