#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "io/device.h"
#include "io/faulty_device.h"
#include "io/mem_device.h"
#include "io/posix_device.h"
#include "io/uring_device.h"

namespace ferrite::io {
namespace {

struct Done final : IoCallback {
  Status status = Status::Aborted("not called");
  int calls = 0;
  void OnIoComplete(Status s) override {
    status = std::move(s);
    ++calls;
  }
};

std::string TempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("ferrite_io_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// The same checks for every backend (FASTER's paging tests run on each device).
void ExerciseDevice(Device& dev) {
  ASSERT_TRUE(dev.Open(3).ok());
  ASSERT_TRUE(dev.Open(3).ok());  // idempotent
  std::string data(10000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  ASSERT_TRUE(dev.Write(3, 4096, data.data(), data.size()).ok());

  std::string back(data.size(), '\0');
  ASSERT_TRUE(dev.Read(3, 4096, back.data(), back.size()).ok());
  EXPECT_EQ(back, data);
  // Reading past the end is an error, never silent zeros.
  EXPECT_FALSE(dev.Read(3, 4096 + data.size() - 10, back.data(), 100).ok());
  // A segment never opened.
  EXPECT_FALSE(dev.Read(99, 0, back.data(), 10).ok());

  // Many asynchronous reads in flight at once.
  std::vector<Done> done(32);
  std::vector<std::string> bufs(32, std::string(100, '\0'));
  for (int i = 0; i < 32; ++i) {
    ASSERT_TRUE(dev.SubmitRead(3, 4096 + i * 200, bufs[i].data(), 100, &done[i]).ok());
  }
  size_t completed = 0;
  for (int spins = 0; completed < 32 && spins < 10000; ++spins) completed += dev.Poll(1000);
  ASSERT_EQ(completed, 32u);
  EXPECT_EQ(dev.InFlight(), 0u);
  for (int i = 0; i < 32; ++i) {
    EXPECT_EQ(done[i].calls, 1);
    EXPECT_TRUE(done[i].status.ok()) << done[i].status.ToString();
    EXPECT_EQ(bufs[i], data.substr(i * 200, 100));
  }
  // A failing asynchronous read reports through its callback.
  Done bad;
  std::string small(100, '\0');
  ASSERT_TRUE(dev.SubmitRead(3, 1 << 20, small.data(), 100, &bad).ok());
  for (int spins = 0; bad.calls == 0 && spins < 10000; ++spins) dev.Poll(1000);
  EXPECT_EQ(bad.calls, 1);
  EXPECT_FALSE(bad.status.ok());

  ASSERT_TRUE(dev.Sync(3).ok());
  ASSERT_TRUE(dev.Remove(3).ok());
  EXPECT_FALSE(dev.Read(3, 4096, back.data(), 10).ok());
}

TEST(DeviceTest, MemDevice) {
  MemDevice dev;
  ExerciseDevice(dev);
}

TEST(DeviceTest, PosixDevice) {
  std::string dir = TempDir("posix");
  PosixDevice dev(dir);
  ExerciseDevice(dev);
  std::filesystem::remove_all(dir);
}

#if FERRITE_IO_URING
TEST(DeviceTest, UringDevice) {
  std::string dir = TempDir("uring");
  auto dev = UringDevice::Create(dir);
  if (!dev) GTEST_SKIP() << "io_uring unavailable: " << dev.error().ToString();
  ExerciseDevice(**dev);
  std::filesystem::remove_all(dir);
}
#endif

TEST(DeviceTest, FileDeviceCreatesDirAndRemovesFiles) {
  std::string dir = TempDir("file") + "/nested/dir";
  auto dev = NewFileDevice(dir);
  ASSERT_TRUE(dev) << dev.error().ToString();
  ASSERT_TRUE((*dev)->Open(7).ok());
  EXPECT_TRUE(std::filesystem::exists(SegmentPath(dir, 7)));
  ASSERT_TRUE((*dev)->Remove(7).ok());
  EXPECT_FALSE(std::filesystem::exists(SegmentPath(dir, 7)));
}

TEST(FaultyDeviceTest, Faults) {
  FaultyDevice dev(std::make_unique<MemDevice>());
  ExerciseDevice(dev);
  ASSERT_TRUE(dev.Open(1).ok());
  std::string data(1000, 'a');
  ASSERT_TRUE(dev.Write(1, 0, data.data(), data.size()).ok());

  dev.set_no_space(true);
  Status st = dev.Write(1, 0, data.data(), data.size());
  EXPECT_EQ(st.code(), StatusCode::kNoSpace);
  std::string back(1000, '\0');
  EXPECT_TRUE(dev.Read(1, 0, back.data(), back.size()).ok());  // reads keep working
  dev.set_no_space(false);

  dev.set_space_budget(1500);
  EXPECT_TRUE(dev.Write(1, 0, data.data(), data.size()).ok());
  EXPECT_EQ(dev.Write(1, 0, data.data(), data.size()).code(), StatusCode::kNoSpace);
  dev.set_space_budget(0);

  dev.set_fail_writes(true);
  EXPECT_EQ(dev.Write(1, 0, data.data(), data.size()).code(), StatusCode::kIoError);
  dev.set_fail_writes(false);
  EXPECT_EQ(dev.writes_failed(), 3u);

  // A torn write reports success but persists only its first half.
  std::string other(1000, 'b');
  dev.set_torn_writes(1);
  EXPECT_TRUE(dev.Write(1, 0, other.data(), other.size()).ok());
  ASSERT_TRUE(dev.Read(1, 0, back.data(), back.size()).ok());
  EXPECT_EQ(back, std::string(500, 'b') + std::string(500, 'a'));

  ASSERT_TRUE(dev.FlipBitForTest(1, 10).ok());
  ASSERT_TRUE(dev.Read(1, 0, back.data(), back.size()).ok());
  EXPECT_EQ(back[10], 'b' ^ 1);

  dev.set_flip_reads(true, 0);
  Done d;
  ASSERT_TRUE(dev.SubmitRead(1, 0, back.data(), 4, &d).ok());
  while (d.calls == 0) dev.Poll(1000);
  EXPECT_EQ(back[0], 'b' ^ 1);
}

}  // namespace
}  // namespace ferrite::io
