#include "io/uring_device.h"

#if FERRITE_IO_URING

#include <cerrno>
#include <cstring>

namespace ferrite::io {

// One read, resubmitted for its remainder after a short completion (buffered reads may stop at
// page-cache boundaries).
struct UringDevice::Request {
  int fd;
  char* buf;
  size_t remaining;
  uint64_t offset;
  IoCallback* cb;
};

Result<std::unique_ptr<UringDevice>> UringDevice::Create(std::string dir, unsigned entries) {
  std::unique_ptr<UringDevice> dev(new UringDevice(std::move(dir)));
  int rc = io_uring_queue_init(entries, &dev->ring_, 0);
  if (rc < 0) return ErrnoStatus(-rc, "io_uring_queue_init");
  return dev;
}

UringDevice::~UringDevice() {
  // Drain so no kernel write lands in freed memory.
  while (in_flight_ > 0) Poll(1000);
  io_uring_queue_exit(&ring_);
}

bool UringDevice::Queue(Request* req) {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr) {
    io_uring_submit(&ring_);
    unsubmitted_ = 0;
    sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) return false;
  }
  io_uring_prep_read(sqe, req->fd, req->buf, static_cast<unsigned>(req->remaining), req->offset);
  io_uring_sqe_set_data(sqe, req);
  ++unsubmitted_;
  return true;
}

Status UringDevice::SubmitRead(uint64_t segment, uint64_t offset, void* data, size_t n,
                               IoCallback* cb) {
  int fd = Fd(segment);
  if (fd < 0) return Status::IoError("read from a segment that is not open");
  auto* req = new Request{fd, static_cast<char*>(data), n, offset, cb};
  if (!Queue(req)) {
    delete req;
    return Status::Unavailable("io_uring submission queue full");
  }
  ++in_flight_;
  return Status::Ok();
}

size_t UringDevice::Poll(uint64_t timeout_us) {
  if (unsubmitted_ > 0) {
    io_uring_submit(&ring_);
    unsubmitted_ = 0;
  }
  if (in_flight_ == 0) return 0;
  size_t done = 0;
  io_uring_cqe* cqe = nullptr;
  __kernel_timespec ts{static_cast<long long>(timeout_us / 1000000),
                       static_cast<long long>((timeout_us % 1000000) * 1000)};
  int rc = timeout_us > 0 ? io_uring_wait_cqe_timeout(&ring_, &cqe, &ts)
                          : io_uring_peek_cqe(&ring_, &cqe);
  while (rc == 0 && cqe != nullptr) {
    auto* req = static_cast<Request*>(io_uring_cqe_get_data(cqe));
    int res = cqe->res;
    io_uring_cqe_seen(&ring_, cqe);
    Status st;
    bool finished = true;
    if (res < 0) {
      st = ErrnoStatus(-res, "io_uring read");
    } else if (res == 0 && req->remaining > 0) {
      st = Status::IoError("short read past the end of a segment");
    } else if (static_cast<size_t>(res) < req->remaining) {
      req->buf += res;
      req->offset += static_cast<uint64_t>(res);
      req->remaining -= static_cast<size_t>(res);
      finished = !Queue(req);
      if (finished) st = Status::Unavailable("io_uring submission queue full");
    }
    if (finished) {
      --in_flight_;
      IoCallback* cb = req->cb;
      delete req;
      cb->OnIoComplete(std::move(st));
      ++done;
    }
    cqe = nullptr;
    rc = io_uring_peek_cqe(&ring_, &cqe);
  }
  if (unsubmitted_ > 0) {
    io_uring_submit(&ring_);
    unsubmitted_ = 0;
  }
  return done;
}

}  // namespace ferrite::io

#endif  // FERRITE_IO_URING
