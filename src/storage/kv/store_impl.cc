// HybridLogStore: construction from options, database bookkeeping (FlushDb / FlushAll / SwapDb
// by remapping physical database ids), statistics and the factory.

#include <algorithm>
#include <bit>
#include <cmath>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "storage/kv/store_impl.h"

namespace ferrite::storage {

namespace {
constexpr std::string_view kPolicyNames[] = {
    "noeviction",   "allkeys-lru",  "allkeys-lfu",     "allkeys-random",
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
};
}  // namespace

bool ParseMaxMemoryPolicy(std::string_view name, MaxMemoryPolicy* out) {
  for (size_t i = 0; i < std::size(kPolicyNames); ++i) {
    if (kPolicyNames[i] == name) {
      *out = static_cast<MaxMemoryPolicy>(i);
      return true;
    }
  }
  return false;
}

std::string_view MaxMemoryPolicyName(MaxMemoryPolicy policy) {
  return kPolicyNames[static_cast<size_t>(policy)];
}

namespace kv {

HybridLogStore::HybridLogStore(const HybridLogOptions& options, std::shared_ptr<io::Device> device,
                               const hlog::HybridLogConfig& log_config, uint64_t index_buckets)
    : options_(options),
      device_(std::move(device)),
      chain_resolver_(&log_),
      index_(index_buckets, &epoch_, &chain_resolver_),
      log_(log_config, device_.get(), &epoch_, [this] { WakeWorker(); }),
      session_counters_(new SessionCounters[epoch::LightEpoch::kMaxSlots]),
      db_counters_(new DbCounters[options.databases]),
      phys_(new std::atomic<uint32_t>[options.databases]),
      next_phys_(options.databases),
      max_memory_(options.max_memory) {
  for (DbIndex i = 0; i < options.databases; ++i) phys_[i].store(i);
  worker_session_ = std::make_unique<HybridLogSession>(this, /*internal=*/true);
  worker_ = std::thread([this] { WorkerLoop(); });
}

HybridLogStore::~HybridLogStore() {
  stop_.store(true);
  WakeWorker();
  worker_.join();
  // Finish reads still in flight so no waiter is left hanging and no buffer leaks.
  while (device_->InFlight() > 0) device_->Poll(1000);
  auto fail = [this](DiskRequest* r) {
    r->inbox.reset();
    PendingBatch* batch = r->batch;
    delete r;
    if (batch->remaining.fetch_sub(1) == 1) {
      if (batch->waiter != nullptr) batch->waiter->OnResident();
      delete batch;
    }
  };
  for (DiskRequest* r : completed_) fail(r);
  for (DiskRequest* r : deferred_) fail(r);
  for (DiskRequest* r : incoming_) fail(r);
  worker_session_.reset();
  // Pending epoch actions (closing pages, freeing their objects) touch log_, which is destroyed
  // before epoch_: run them now.
  epoch_.DrainAll();
}

std::unique_ptr<StoreSession> HybridLogStore::NewSession() {
  return std::make_unique<HybridLogSession>(this);
}

uint64_t HybridLogStore::HashKey(uint32_t phys, std::string_view key) {
  return XXH3_64bits_withSeed(key.data(), key.size(), phys);
}

DbIndex HybridLogStore::LogicalDb(uint32_t phys) const {
  for (DbIndex i = 0; i < options_.databases; ++i) {
    if (PhysDb(i) == phys) return i;
  }
  return options_.databases;
}

uint64_t HybridLogStore::KeyCount(DbIndex db) const {
  if (db >= options_.databases) return 0;
  return static_cast<uint64_t>(std::max<int64_t>(0, db_counters_[db].keys.load()));
}

uint64_t HybridLogStore::ExpiringKeyCount(DbIndex db) const {
  if (db >= options_.databases) return 0;
  return static_cast<uint64_t>(std::max<int64_t>(0, db_counters_[db].expiring.load()));
}

Status HybridLogStore::FlushDb(DbIndex db) {
  if (db >= options_.databases) return Status::InvalidArgument("database out of range");
  std::lock_guard lock(admin_mu_);
  // A fresh physical id makes every old record of the database unreachable at once; compaction
  // reclaims their bytes.
  const uint32_t old_phys = phys_[db].load();
  phys_[db].store(next_phys_.fetch_add(1), std::memory_order_release);
  db_counters_[db].keys.store(0);
  db_counters_[db].expiring.store(0);
  DetachObjects([old_phys](uint32_t phys) { return phys == old_phys; });
  return Status::Ok();
}

void HybridLogStore::DetachObjects(const std::function<bool(uint32_t phys)>& dead) {
  // Strings pay nothing: without objects there is nothing to walk.
  if (log_.ObjectCount() == 0) return;
  HybridLogSession session(this);
  auto retired = std::make_shared<std::vector<std::unique_ptr<StoredObject>>>();
  {
    OpGuard guard(&session);
    log_.ForEachObjectRecord([&](LogRecord& rec, Address a) {
      if (!dead(rec.db)) return;
      // An updater of a mutable record holds its exclusive lock; wait for it. A sealed record
      // is superseded and nobody writes it any more.
      const bool locked = a >= log_.SafeReadOnlyAddress() && hlog::LockExclusive(rec);
      StoredObject* obj = rec.ExchangeObject(nullptr);
      if (obj != nullptr) {
        log_.ChargeObjects(-static_cast<int64_t>(rec.object_charge()), -1);
        retired->emplace_back(obj);
      }
      if (locked) hlog::UnlockExclusive(rec);
    });
  }
  // Readers that loaded a pointer before the detach are still protected: free after them.
  if (!retired->empty()) epoch_.BumpEpoch([retired] { retired->clear(); });
}

Status HybridLogStore::FlushAll() {
  std::lock_guard lock(admin_mu_);
  for (DbIndex db = 0; db < options_.databases; ++db) {
    phys_[db].store(next_phys_.fetch_add(1), std::memory_order_release);
    db_counters_[db].keys.store(0);
    db_counters_[db].expiring.store(0);
  }
  // Nothing before the tail is live any more: truncate the whole log and empty the index.
  log_.ShiftBeginAddress(log_.TailAddress());
  {
    HybridLogSession session(this);
    OpGuard guard(&session);  // the index reads tables a growth may free
    index_.Clear();
  }
  DetachObjects([](uint32_t) { return true; });
  live_bytes_adjust_.fetch_sub(LiveBytes());
  WakeWorker();
  return Status::Ok();
}

Status HybridLogStore::SwapDb(DbIndex a, DbIndex b) {
  if (a >= options_.databases || b >= options_.databases) {
    return Status::InvalidArgument("database out of range");
  }
  if (a == b) return Status::Ok();
  std::lock_guard lock(admin_mu_);
  uint32_t pa = phys_[a].load(), pb = phys_[b].load();
  phys_[a].store(pb, std::memory_order_release);
  phys_[b].store(pa, std::memory_order_release);
  int64_t ka = db_counters_[a].keys.exchange(db_counters_[b].keys.load());
  db_counters_[b].keys.store(ka);
  int64_t ea = db_counters_[a].expiring.exchange(db_counters_[b].expiring.load());
  db_counters_[b].expiring.store(ea);
  return Status::Ok();
}

int64_t HybridLogStore::LiveBytes() const {
  int64_t sum = live_bytes_adjust_.load(std::memory_order_relaxed);
  for (uint32_t i = 0; i < epoch::LightEpoch::kMaxSlots; ++i) {
    sum += session_counters_[i].live_bytes.load(std::memory_order_relaxed);
  }
  return std::max<int64_t>(sum, 0);
}

uint64_t HybridLogStore::OverheadBytes() const {
  // Fixed structures sized at construction (frame tables, counters, epoch table, one flush
  // staging page). Index bytes are reported separately.
  return log_.frame_count() * 32 + epoch::LightEpoch::kMaxSlots * sizeof(SessionCounters) +
         sizeof(epoch::LightEpoch) + log_.page_size() + options_.databases * 64;
}

uint64_t HybridLogStore::MemoryUsed() const {
  return index_.MemoryBytes() + log_.FrameBytes() + OverheadBytes() + log_.ObjectBytes();
}

uint64_t HybridLogStore::EffectiveMemoryPages() const {
  // Collection objects live outside the frames but inside the budget: as they grow, the
  // in-memory log shrinks, and closing its oldest pages frees their objects.
  uint64_t fixed = index_.MemoryBytes() + OverheadBytes() + log_.ObjectBytes();
  const uint64_t budget = max_memory();
  uint64_t room = budget > fixed ? budget - fixed : 0;
  return room / log_.page_size();
}

uint64_t HybridLogStore::MinMaxMemory() const {
  return index_.MemoryBytes() + OverheadBytes() + 4 * log_.page_size();
}

Status HybridLogStore::SetMaxMemory(uint64_t bytes) {
  const uint64_t floor = MinMaxMemory();
  if (bytes < floor) {
    return Status::InvalidArgument("maxmemory must be at least " + std::to_string(floor) +
                                   " bytes (hash index, fixed buffers and 4 pages)");
  }
  max_memory_.store(bytes, std::memory_order_relaxed);
  WakeWorker();  // it recomputes the frame cap and evicts down to it
  return Status::Ok();
}

LogChainResolver::Where LogChainResolver::Resolve(uint64_t address, uint64_t* hash,
                                                  uint64_t* prev) const {
  if (address < log_->BeginAddress()) return Where::kGone;
  if (address < log_->HeadAddress()) return Where::kOnDisk;
  // Protected: the page stays mapped. Key, db and prev never change once a record is linked.
  const LogRecord& rec = *LogRecord::At(log_->Get(address));
  *hash = HybridLogStore::HashKey(rec.db, rec.key());
  *prev = hlog::InfoPrev(rec.LoadInfo());
  return Where::kInMemory;
}

StoreStats HybridLogStore::Stats() const {
  StoreStats st;
  Address begin = log_.BeginAddress(), head = log_.HeadAddress(), ro = log_.ReadOnlyAddress();
  Address tail = log_.TailAddress(), flushed = log_.FlushedUntilAddress();
  st.bytes_mutable = tail > ro ? tail - ro : 0;
  st.bytes_read_only = ro > head ? ro - head : 0;
  st.bytes_disk = (flushed > begin ? flushed - begin : 0) + log_.ObjectLogBytes();
  st.index_bytes = index_.MemoryBytes();
  st.object_bytes = log_.ObjectBytes();
  st.objects = log_.ObjectCount();
  st.memory_used = MemoryUsed();
  for (uint32_t i = 0; i < epoch::LightEpoch::kMaxSlots; ++i) {
    const SessionCounters& c = session_counters_[i];
    st.reads_mutable += c.reads_mutable.load(std::memory_order_relaxed);
    st.reads_read_only += c.reads_read_only.load(std::memory_order_relaxed);
    st.reads_disk += c.reads_disk.load(std::memory_order_relaxed);
    st.read_misses += c.read_misses.load(std::memory_order_relaxed);
    st.expired_keys += c.expired.load(std::memory_order_relaxed);
    st.in_place_updates += c.in_place_updates.load(std::memory_order_relaxed);
    st.copy_updates += c.copy_updates.load(std::memory_order_relaxed);
  }
  st.expired_keys += expired_background.load(std::memory_order_relaxed);
  st.evicted_keys = evicted_keys.load(std::memory_order_relaxed);
  st.current_epoch = epoch_.CurrentEpoch();
  st.pending_reads = pending_reads.load(std::memory_order_relaxed);
  st.corrupt_records = corruptions.load(std::memory_order_relaxed);
  st.compactions = compactions.load(std::memory_order_relaxed);
  st.compacted_bytes = compacted_bytes.load(std::memory_order_relaxed);
  st.disk_reads = disk_reads_issued.load(std::memory_order_relaxed);
  st.live_bytes = static_cast<uint64_t>(LiveBytes());
  st.index_buckets = index_.num_buckets();
  st.index_grows = index_.grows();
  st.max_memory = max_memory();
  st.max_disk = options_.max_disk;
  st.write_blocked = write_block_.load(std::memory_order_relaxed) != 0;
  return st;
}

}  // namespace kv

Result<std::unique_ptr<Store>> NewHybridLogStore(const HybridLogOptions& options) {
  if (options.databases == 0 || options.databases > 1024) {
    return Status::InvalidArgument("storage.databases must be 1..1024");
  }
  if (!std::has_single_bit(options.page_size) || options.page_size < 4096 ||
      options.page_size > (64u << 20)) {
    return Status::InvalidArgument("storage.page_size must be a power of two, 4 KiB .. 64 MiB");
  }
  if (!std::has_single_bit(options.segment_size) || options.segment_size < options.page_size) {
    return Status::InvalidArgument("storage.segment_size must be a power of two >= page_size");
  }
  if (options.max_disk != 0 && options.max_disk < 2 * options.segment_size) {
    // Compaction and eviction work a whole segment at a time beside the one being filled.
    return Status::InvalidArgument("storage.max_disk must be 0 or at least 2 segments");
  }
  if (!(options.index_fraction > 0 && options.index_fraction < 0.9) ||
      !(options.mutable_fraction > 0 && options.mutable_fraction < 1)) {
    return Status::InvalidArgument("storage fractions must lie in (0, 1)");
  }
  if (!options.clock) return Status::InvalidArgument("storage clock missing");
  uint64_t index_bytes =
      static_cast<uint64_t>(static_cast<double>(options.max_memory) * options.index_fraction);
  uint64_t buckets = std::bit_floor(std::max<uint64_t>(index_bytes / 64, 64));
  // Fixed overheads, as HybridLogStore::OverheadBytes counts them (frame count bounded below).
  uint64_t fixed = buckets * 64 + (uint64_t{1} << 19) + 256 * 1024 + options.page_size;
  if (options.max_memory < fixed + 5ull * options.page_size) {
    return Status::InvalidArgument("storage.max_memory too small for the page size");
  }
  hlog::HybridLogConfig cfg;
  cfg.page_bits = static_cast<uint32_t>(std::countr_zero(options.page_size));
  cfg.segment_bits = static_cast<uint32_t>(std::countr_zero(options.segment_size));
  cfg.memory_pages = (options.max_memory - fixed) / options.page_size;
  cfg.mutable_pages =
      std::clamp<uint64_t>(static_cast<uint64_t>(std::floor(static_cast<double>(cfg.memory_pages) *
                                                            options.mutable_fraction)),
                           1, cfg.memory_pages - 2);
  cfg.max_disk = options.max_disk;
  std::shared_ptr<io::Device> device = options.device;
  if (!device) {
    auto dev = io::NewFileDevice(options.dir);
    if (!dev) return std::move(dev).error();
    device = std::shared_ptr<io::Device>(std::move(dev).value());
  }
  return std::unique_ptr<Store>(
      std::make_unique<kv::HybridLogStore>(options, std::move(device), cfg, buckets));
}

}  // namespace ferrite::storage
