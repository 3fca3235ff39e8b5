// Larger than memory, at the Store API: a 64 MiB budget, FERRITE_LARGE_TEST_BYTES of data
// (256 MiB by default; 1 GiB in the `slow` variant) written through the real file device
// (io_uring when built with it), then every key read back and checked. memory_used must stay
// within max_memory, and the process RSS within the budget plus the documented overhead
// (docs/design/hybridlog.md, "Budgets").

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "storage/kv/store_test_util.h"

#ifndef FERRITE_LARGE_TEST_BYTES
#define FERRITE_LARGE_TEST_BYTES (256ull << 20)
#endif

namespace ferrite::storage {
namespace {

uint64_t RssBytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

std::string ValueFor(uint64_t i, size_t size) {
  std::string v = std::to_string(i) + ":";
  v.resize(size, static_cast<char>('a' + i % 26));
  return v;
}

TEST(StoreLargeTest, WritesFarMoreThanMemoryAndReadsEverythingBack) {
  constexpr uint64_t kBudget = 64ull << 20;
  // Bounded RSS beyond max_memory: allocator slack, in-flight read buffers, the test's own
  // batches and the C++ runtime (docs/design/hybridlog.md, "Budgets").
  constexpr uint64_t kOverhead = 48ull << 20;
  constexpr uint64_t kTotal = FERRITE_LARGE_TEST_BYTES;
  constexpr size_t kValue = 1000;
  const uint64_t keys = kTotal / kValue;

  auto dir =
      std::filesystem::temp_directory_path() / ("ferrite_large_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const uint64_t rss_before = RssBytes();
  {
    HybridLogOptions o;
    o.dir = dir.string();
    o.max_memory = kBudget;
    auto created = NewHybridLogStore(o);
    ASSERT_TRUE(created) << created.error().ToString();
    std::unique_ptr<Store> store = std::move(created).value();
    auto s = store->NewSession();

    uint64_t max_mem = 0, max_rss = 0;
    for (uint64_t i = 0; i < keys; ++i) {
      std::string key = "key:" + std::to_string(i);
      Status st = testing::Set(*s, 0, key, ValueFor(i, kValue));
      ASSERT_TRUE(st.ok()) << i << " " << st.ToString();
      if (i % 8192 == 0) {
        max_mem = std::max(max_mem, store->Stats().memory_used);
        max_rss = std::max(max_rss, RssBytes());
      }
    }
    EXPECT_EQ(store->KeyCount(0), keys);
    StoreStats st = store->Stats();
    EXPECT_GT(st.bytes_disk, kTotal / 2) << "most data must be on disk";
    EXPECT_LE(max_mem, kBudget);

    // Read back in batches, as the server does for multi-key commands.
    testing::BlockingWaiter waiter;
    constexpr size_t kBatch = 64;
    uint64_t checked = 0;
    for (uint64_t first = 0; first < keys; first += kBatch) {
      std::vector<std::string> names;
      for (uint64_t i = first; i < std::min(keys, first + kBatch); ++i) {
        names.push_back("key:" + std::to_string(i));
      }
      std::vector<std::string_view> views(names.begin(), names.end());
      if (!s->EnsureResident(0, views, &waiter)) ASSERT_TRUE(waiter.Wait());
      for (uint64_t i = first; i < std::min(keys, first + kBatch); ++i) {
        Status rs;
        auto v = testing::Get(*s, 0, names[i - first], nullptr, &rs);
        ASSERT_TRUE(v.has_value()) << names[i - first] << " " << rs.ToString();
        ASSERT_TRUE(*v == ValueFor(i, kValue)) << names[i - first];
        ++checked;
      }
      if (first % 16384 == 0) {
        max_mem = std::max(max_mem, store->Stats().memory_used);
        max_rss = std::max(max_rss, RssBytes());
      }
    }
    EXPECT_EQ(checked, keys);
    std::printf("wrote %llu MiB; max memory_used %llu MiB; max RSS %llu MiB (%llu MiB before)\n",
                static_cast<unsigned long long>(kTotal >> 20),
                static_cast<unsigned long long>(max_mem >> 20),
                static_cast<unsigned long long>(max_rss >> 20),
                static_cast<unsigned long long>(rss_before >> 20));
    st = store->Stats();
    EXPECT_GT(st.reads_disk, keys / 2);
    EXPECT_EQ(st.corrupt_records, 0u);
    EXPECT_LE(max_mem, kBudget);
    EXPECT_LE(max_rss, rss_before + kBudget + kOverhead)
        << "rss before " << rss_before << " max " << max_rss;
    // Compaction keeps disk use proportional to live data (copies made by reads are garbage).
    EXPECT_LE(st.bytes_disk, 2 * st.live_bytes + 2 * (256ull << 20)) << st.live_bytes;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ferrite::storage
