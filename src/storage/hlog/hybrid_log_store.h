#pragma once
// The HybridLog store: storage::Store on FASTER's HybridLog. The single entry point for the
// server is NewHybridLogStore(options); docs/design/hybridlog.md explains the design and lists
// every option with its default ([storage] keys).
//
// Thread safety: the Store and its methods are safe from any thread; each thread uses its own
// StoreSession (store.h). The store runs one background I/O worker thread that flushes pages,
// evicts them from memory, completes disk reads (calling ResidencyWaiter::OnResident on that
// thread), compacts segments and applies the maxmemory policy.

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "io/device.h"
#include "storage/store.h"

namespace ferrite::storage {

// Redis's maxmemory-policy, applied when memory AND disk (max_disk) are full.
enum class MaxMemoryPolicy : uint8_t {
  kNoEviction,  // writes fail with OutOfMemory (-OOM)
  kAllKeysLru,  // evict the oldest log segment (log order approximates LRU: reads of
  kAllKeysLfu,  //   disk records copy them to the tail), counting every live key dropped
  kAllKeysRandom,
  kVolatileLru,  // evict keys with an expiry from the oldest segment, keeping the others
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
};
// "noeviction", "allkeys-lru", ... as in redis.conf; nullopt-like: returns false on unknown.
bool ParseMaxMemoryPolicy(std::string_view name, MaxMemoryPolicy* out);
std::string_view MaxMemoryPolicyName(MaxMemoryPolicy policy);

struct HybridLogOptions {
  std::string dir = "./data";  // segment files hlog.<n> live here
  DbIndex databases = 16;
  uint64_t max_memory = 1ull << 30;    // bytes: index + in-memory pages + buffers
  uint64_t max_disk = 0;               // bytes of segment files; 0 = unlimited
  uint32_t page_size = 1u << 20;       // power of two, 4 KiB .. 64 MiB
  uint64_t segment_size = 1ull << 28;  // power of two >= page_size
  double index_fraction = 0.125;       // share of max_memory for the hash table's main array
  double mutable_fraction = 0.9;       // share of in-memory pages updated in place
  MaxMemoryPolicy policy = MaxMemoryPolicy::kNoEviction;
  ClockFn clock = SystemClockMs;
  // Tests inject a MemDevice or FaultyDevice; null means io::NewFileDevice(dir).
  std::shared_ptr<io::Device> device;
};

// Largest value accepted (Redis's proto-max-bulk-len default). A value must also fit in the
// in-memory log: at most (memory pages - 3) pages, else Upsert returns OutOfMemory.
inline constexpr uint64_t kMaxValueBytes = 512ull << 20;

// Validates options (InvalidArgument), creates the directory, opens the device, starts the I/O
// worker.
Result<std::unique_ptr<Store>> NewHybridLogStore(const HybridLogOptions& options);

}  // namespace ferrite::storage
