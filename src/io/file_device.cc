#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "io/device.h"
#include "io/posix_device.h"
#include "io/uring_device.h"

namespace ferrite::io {

Result<std::unique_ptr<Device>> NewFileDevice(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create storage dir " + dir + ": " + ec.message());
#if FERRITE_IO_URING
  auto uring = UringDevice::Create(dir);
  if (uring) return std::unique_ptr<Device>(std::move(uring).value());
    // Kernels or sandboxes without io_uring fall back to the portable device.
#endif
  return std::unique_ptr<Device>(std::make_unique<PosixDevice>(dir));
}

}  // namespace ferrite::io
