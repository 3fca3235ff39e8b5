#include "persistence/aof_io.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string_view>

namespace ferrite::persistence {

namespace {

Status Errno(std::string_view what, const std::string& path, int err) {
  std::string msg = std::string(what) + " " + path + ": " + strerror(err);
  if (err == ENOSPC || err == EDQUOT) return Status::NoSpace(msg);
  return Status::IoError(msg);
}

class PosixFile final : public AofFile {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixFile() override { close(fd_); }

  Status WriteAt(uint64_t offset, const void* data, size_t n) override {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
      ssize_t w = pwrite(fd_, p, n, static_cast<off_t>(offset));
      if (w < 0) {
        if (errno == EINTR) continue;
        return Errno("write", path_, errno);
      }
      p += w;
      n -= static_cast<size_t>(w);
      offset += static_cast<uint64_t>(w);
    }
    return Status::Ok();
  }
  Result<size_t> ReadAt(uint64_t offset, void* data, size_t n) override {
    for (;;) {
      ssize_t r = pread(fd_, data, n, static_cast<off_t>(offset));
      if (r >= 0) return static_cast<size_t>(r);
      if (errno != EINTR) return Errno("read", path_, errno);
    }
  }
  Status Sync() override {
    if (fdatasync(fd_) != 0) return Errno("fdatasync", path_, errno);
    return Status::Ok();
  }
  Status Truncate(uint64_t size) override {
    if (ftruncate(fd_, static_cast<off_t>(size)) != 0) return Errno("truncate", path_, errno);
    return Status::Ok();
  }
  Result<uint64_t> Size() override {
    struct stat st;
    if (fstat(fd_, &st) != 0) return Errno("stat", path_, errno);
    return static_cast<uint64_t>(st.st_size);
  }

 private:
  int fd_;
  std::string path_;
};

class PosixAofIo final : public AofIo {
 public:
  Result<std::unique_ptr<AofFile>> Open(const std::string& path, bool create) override {
    int fd = open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
    if (fd < 0) return Errno("open", path, errno);
    return std::unique_ptr<AofFile>(new PosixFile(fd, path));
  }
  Status Rename(const std::string& from, const std::string& to) override {
    if (rename(from.c_str(), to.c_str()) != 0) return Errno("rename to " + to, from, errno);
    return Status::Ok();
  }
  Status Remove(const std::string& path) override {
    if (unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("unlink", path, errno);
    return Status::Ok();
  }
  Status SyncDir(const std::string& dir) override {
    int fd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Errno("open directory", dir, errno);
    int rc = fsync(fd);
    int err = errno;
    close(fd);
    if (rc != 0) return Errno("fsync directory", dir, err);
    return Status::Ok();
  }
  bool Exists(const std::string& path) override { return access(path.c_str(), F_OK) == 0; }
};

}  // namespace

AofIo& PosixIo() {
  static PosixAofIo io;
  return io;
}

class FaultyAofIo::File final : public AofFile {
 public:
  File(FaultyAofIo& owner, std::unique_ptr<AofFile> base) : owner_(owner), base_(std::move(base)) {}
  Status WriteAt(uint64_t offset, const void* data, size_t n) override {
    if (owner_.fail_write.load()) {
      ++owner_.failed_writes;
      return Status::IoError("write: Input/output error (injected)");
    }
    int64_t left = owner_.space_left.load();
    if (left >= 0 && static_cast<uint64_t>(left) < n) {
      // A full disk: the part that fits lands, the rest does not.
      if (left > 0) {
        Status st = base_->WriteAt(offset, data, static_cast<size_t>(left));
        if (!st.ok()) return st;
      }
      owner_.space_left = 0;
      ++owner_.failed_writes;
      return Status::NoSpace("write: No space left on device (injected)");
    }
    if (left >= 0) owner_.space_left -= static_cast<int64_t>(n);
    return base_->WriteAt(offset, data, n);
  }
  Result<size_t> ReadAt(uint64_t offset, void* data, size_t n) override {
    return base_->ReadAt(offset, data, n);
  }
  Status Sync() override {
    ++owner_.syncs;
    if (owner_.fail_sync.load()) {
      ++owner_.failed_syncs;
      return Status::IoError("fdatasync: Input/output error (injected)");
    }
    return base_->Sync();
  }
  Status Truncate(uint64_t size) override { return base_->Truncate(size); }
  Result<uint64_t> Size() override { return base_->Size(); }

 private:
  FaultyAofIo& owner_;
  std::unique_ptr<AofFile> base_;
};

Result<std::unique_ptr<AofFile>> FaultyAofIo::Open(const std::string& path, bool create) {
  auto f = base_.Open(path, create);
  if (!f) return std::move(f).error();
  return std::unique_ptr<AofFile>(new File(*this, std::move(*f)));
}

Result<std::string> ReadWholeFile(AofIo& io, const std::string& path) {
  auto f = io.Open(path, false);
  if (!f) return std::move(f).error();
  std::string out;
  char buf[65536];
  for (;;) {
    auto n = (*f)->ReadAt(out.size(), buf, sizeof buf);
    if (!n) return std::move(n).error();
    if (*n == 0) break;
    out.append(buf, *n);
  }
  return out;
}

}  // namespace ferrite::persistence
