#pragma once
// ByteBuffer: a growable byte array whose new space is not zero-filled, for socket reads
// (std::string::resize would memset every read's worth of buffer first).
//
// Thread safety: none; a buffer belongs to one connection.

#include <cstddef>
#include <cstring>
#include <memory>

namespace ferrite::net {

class ByteBuffer {
 public:
  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }

  // Space for at least `n` more bytes after size(); write into it, then Commit what was written.
  char* PrepareWrite(size_t n) {
    if (capacity_ - size_ < n) Grow(size_ + n);
    return data_.get() + size_;
  }
  void Commit(size_t n) { size_ += n; }

  void Clear() { size_ = 0; }
  // Drops the first `n` bytes, moving the rest to the front.
  void EraseFront(size_t n) {
    std::memmove(data_.get(), data_.get() + n, size_ - n);
    size_ -= n;
  }
  // Returns memory after a burst (a large value) once the buffer is empty.
  void ShrinkIfEmptyAndLargerThan(size_t limit) {
    if (size_ == 0 && capacity_ > limit) {
      data_.reset();
      capacity_ = 0;
    }
  }

 private:
  void Grow(size_t needed) {
    size_t cap = capacity_ ? capacity_ : 1024;
    while (cap < needed) cap *= 2;
    std::unique_ptr<char[]> bigger(new char[cap]);
    if (size_) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = cap;
  }

  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace ferrite::net
