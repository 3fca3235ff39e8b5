#include "storage/memory_store.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace ferrite::storage {
namespace {

constexpr size_t kShards = 64;

struct Entry {
  ValueType type;
  int64_t expire_at_ms;
  std::string value;
  // A collection (store.h): owned here; Rmw always copies, so it changes only by replacement.
  std::unique_ptr<StoredObject> object;
  RecordView View() const {
    return RecordView{type, expire_at_ms, object ? std::string_view() : std::string_view(value),
                      Tier::kMutable, object.get()};
  }
};

bool BuildsObject(const RecordBuilder& b) {
  return b.object != nullptr && b.type != ValueType::kString;
}

struct Shard {
  std::mutex mu;
  std::unordered_map<std::string, Entry> map;
};

struct Database {
  Shard shards[kShards];
  std::atomic<uint64_t> keys{0};
  std::atomic<uint64_t> expiring{0};
};

class MemoryStoreImpl;

class MemorySession final : public StoreSession {
 public:
  explicit MemorySession(MemoryStoreImpl* store) : store_(store) {}
  Status Read(DbIndex db, std::string_view key, RecordReader reader) override;
  Status Upsert(DbIndex db, std::string_view key, const RecordBuilder& record) override;
  Status Rmw(DbIndex db, std::string_view key, RmwFunctions& fns) override;
  Status Delete(DbIndex db, std::string_view key) override;
  bool EnsureResident(DbIndex, std::span<const std::string_view>, ResidencyWaiter*) override {
    return true;
  }
  uint64_t Scan(DbIndex db, uint64_t cursor, size_t count, ScanCallback fn) override;
  Result<std::string> RandomKey(DbIndex db) override;
  void Protect() override {}
  void Unprotect() override {}

 private:
  MemoryStoreImpl* store_;
};

class MemoryStoreImpl final : public Store {
 public:
  MemoryStoreImpl(DbIndex databases, ClockFn clock) : dbs_(databases), clock_(std::move(clock)) {
    for (auto& db : dbs_) db = std::make_unique<Database>();
  }
  std::unique_ptr<StoreSession> NewSession() override {
    return std::make_unique<MemorySession>(this);
  }
  DbIndex num_databases() const override { return static_cast<DbIndex>(dbs_.size()); }
  uint64_t KeyCount(DbIndex db) const override { return dbs_[db]->keys.load(); }
  uint64_t ExpiringKeyCount(DbIndex db) const override { return dbs_[db]->expiring.load(); }
  Status FlushDb(DbIndex db) override {
    Database& d = *dbs_[db];
    for (Shard& s : d.shards) {
      std::lock_guard lock(s.mu);
      for (auto& [k, e] : s.map) Forget(d, e);
      s.map.clear();
    }
    return Status::Ok();
  }
  Status FlushAll() override {
    for (DbIndex i = 0; i < dbs_.size(); ++i) (void)FlushDb(i);
    return Status::Ok();
  }
  Status SwapDb(DbIndex a, DbIndex b) override {
    std::lock_guard lock(swap_mu_);
    std::swap(dbs_[a], dbs_[b]);
    return Status::Ok();
  }
  uint64_t ActiveExpireCycle(uint64_t) override {
    uint64_t removed = 0;
    int64_t now = clock_();
    for (auto& dp : dbs_) {
      for (Shard& s : dp->shards) {
        std::lock_guard lock(s.mu);
        for (auto it = s.map.begin(); it != s.map.end();) {
          if (Expired(it->second, now)) {
            Forget(*dp, it->second);
            it = s.map.erase(it);
            ++removed;
          } else {
            ++it;
          }
        }
      }
    }
    expired_ += removed;
    return removed;
  }
  StoreStats Stats() const override {
    StoreStats st;
    st.reads_mutable = reads_.load();
    st.read_misses = misses_.load();
    st.expired_keys = expired_.load();
    st.objects = static_cast<uint64_t>(std::max<int64_t>(0, objects_.load()));
    st.object_bytes = static_cast<uint64_t>(std::max<int64_t>(0, object_bytes_.load()));
    st.memory_used = st.object_bytes;
    return st;
  }

  Database& db(DbIndex i) { return *dbs_[i]; }
  static Shard& ShardFor(Database& d, std::string_view key) {
    return d.shards[std::hash<std::string_view>{}(key) % kShards];
  }
  static bool Expired(const Entry& e, int64_t now) {
    return e.expire_at_ms != kNoExpiry && e.expire_at_ms <= now;
  }
  // Called for every entry that leaves a map (or whose object is replaced, via Uncharge).
  void Forget(Database& d, const Entry& e) {
    d.keys.fetch_sub(1);
    if (e.expire_at_ms != kNoExpiry) d.expiring.fetch_sub(1);
    Uncharge(e);
  }
  void Uncharge(const Entry& e) {
    if (e.object == nullptr) return;
    objects_.fetch_sub(1);
    object_bytes_.fetch_sub(static_cast<int64_t>(e.object->MemoryUsage()));
  }
  // Finds a live entry, reaping it if expired. REQUIRES: shard lock held.
  Entry* FindLive(Database& d, Shard& s, std::string_view key) {
    auto it = s.map.find(std::string(key));
    if (it == s.map.end()) return nullptr;
    if (Expired(it->second, clock_())) {
      Forget(d, it->second);
      s.map.erase(it);
      expired_.fetch_add(1);
      return nullptr;
    }
    return &it->second;
  }
  // Stores `r` (taking its object, if it builds one). An empty collection deletes the key.
  void Put(Database& d, Shard& s, std::string_view key, const RecordBuilder& r) {
    const bool object = BuildsObject(r);
    if (object && r.object->Length() == 0) {
      auto it = s.map.find(std::string(key));
      if (it != s.map.end()) {
        Forget(d, it->second);
        s.map.erase(it);
      }
      r.object.reset();
      return;
    }
    auto [it, inserted] = s.map.try_emplace(std::string(key));
    if (inserted) {
      d.keys.fetch_add(1);
    } else {
      if (it->second.expire_at_ms != kNoExpiry) d.expiring.fetch_sub(1);
      Uncharge(it->second);
    }
    if (r.expire_at_ms != kNoExpiry) d.expiring.fetch_add(1);
    if (object) {
      objects_.fetch_add(1);
      object_bytes_.fetch_add(static_cast<int64_t>(r.object->MemoryUsage()));
      it->second = Entry{r.type, r.expire_at_ms, std::string(), std::move(r.object)};
    } else {
      it->second = Entry{r.type, r.expire_at_ms, r.value, nullptr};
    }
  }

  std::mutex swap_mu_;
  std::vector<std::unique_ptr<Database>> dbs_;
  ClockFn clock_;
  std::atomic<uint64_t> reads_{0}, misses_{0}, expired_{0};
  std::atomic<int64_t> objects_{0}, object_bytes_{0};
};

Status MemorySession::Read(DbIndex db, std::string_view key, RecordReader reader) {
  Database& d = store_->db(db);
  Shard& s = MemoryStoreImpl::ShardFor(d, key);
  std::lock_guard lock(s.mu);
  Entry* e = store_->FindLive(d, s, key);
  if (!e) {
    store_->misses_.fetch_add(1, std::memory_order_relaxed);
    return Status::NotFound();
  }
  store_->reads_.fetch_add(1, std::memory_order_relaxed);
  reader(e->View());
  return Status::Ok();
}

Status MemorySession::Upsert(DbIndex db, std::string_view key, const RecordBuilder& record) {
  if (BuildsObject(record) && record.object->type() != record.type) {
    return Status::InvalidArgument("object type differs from the record type");
  }
  Database& d = store_->db(db);
  Shard& s = MemoryStoreImpl::ShardFor(d, key);
  std::lock_guard lock(s.mu);
  store_->Put(d, s, key, record);
  return Status::Ok();
}

Status MemorySession::Rmw(DbIndex db, std::string_view key, RmwFunctions& fns) {
  Database& d = store_->db(db);
  Shard& s = MemoryStoreImpl::ShardFor(d, key);
  std::lock_guard lock(s.mu);
  Entry* e = store_->FindLive(d, s, key);
  RecordBuilder out;
  Status st;
  auto mismatched = [&] { return BuildsObject(out) && out.object->type() != out.type; };
  if (!e) {
    st = fns.InitialUpdate(out);
    if (st.ok() && mismatched()) st = Status::InvalidArgument("object type differs");
    if (st.ok()) store_->Put(d, s, key, out);
    return st;
  }
  out.type = e->type;
  out.expire_at_ms = e->expire_at_ms;
  // Copy-update semantics, like the engine outside its mutable region: the updater edits a clone.
  if (e->object != nullptr) {
    out.object = e->object->Clone();
  } else {
    out.value = e->value;
  }
  st = fns.CopyUpdate(e->View(), out);
  if (st.ok() && mismatched()) st = Status::InvalidArgument("object type differs");
  if (st.ok()) {
    store_->Put(d, s, key, out);
  } else if (st.IsNotFound()) {
    store_->Forget(d, *e);
    s.map.erase(std::string(key));
    return Status::Ok();
  }
  return st;
}

Status MemorySession::Delete(DbIndex db, std::string_view key) {
  Database& d = store_->db(db);
  Shard& s = MemoryStoreImpl::ShardFor(d, key);
  std::lock_guard lock(s.mu);
  Entry* e = store_->FindLive(d, s, key);
  if (!e) return Status::NotFound();
  store_->Forget(d, *e);
  s.map.erase(std::string(key));
  return Status::Ok();
}

uint64_t MemorySession::Scan(DbIndex db, uint64_t cursor, size_t count, ScanCallback fn) {
  // Keys are visited in the order of their hash, and the cursor is the next hash to visit, so
  // inserting or erasing other keys (or rehashing a shard) never moves a key past the cursor: a
  // key present for the whole scan is returned, as StoreSession::Scan promises. Keys with equal
  // hashes are returned in the same call. O(n log n) per call: this store is a test double.
  Database& d = store_->db(db);
  const int64_t now = store_->clock_();
  std::vector<std::pair<uint64_t, std::string>> candidates;
  for (Shard& s : d.shards) {
    std::lock_guard lock(s.mu);
    for (auto& [k, e] : s.map) {
      uint64_t h = std::hash<std::string_view>{}(k);
      if (h >= cursor) candidates.emplace_back(h, k);
    }
  }
  std::sort(candidates.begin(), candidates.end());
  size_t n = std::min(std::max<size_t>(count, 1), candidates.size());
  while (n > 0 && n < candidates.size() && candidates[n].first == candidates[n - 1].first) ++n;
  for (size_t i = 0; i < n; ++i) {
    const std::string& key = candidates[i].second;
    Shard& s = MemoryStoreImpl::ShardFor(d, key);
    std::lock_guard lock(s.mu);
    auto it = s.map.find(key);
    if (it != s.map.end() && !MemoryStoreImpl::Expired(it->second, now)) fn(key, it->second.View());
  }
  if (n == candidates.size()) return 0;
  return candidates[n - 1].first + 1;  // cannot wrap: a larger hash follows
}

Result<std::string> MemorySession::RandomKey(DbIndex db) {
  Database& d = store_->db(db);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  size_t start = rng() % kShards;
  int64_t now = store_->clock_();
  for (size_t n = 0; n < kShards; ++n) {
    Shard& s = d.shards[(start + n) % kShards];
    std::lock_guard lock(s.mu);
    if (s.map.empty()) continue;
    auto it = s.map.begin();
    std::advance(it, rng() % s.map.size());
    for (size_t tries = 0; tries < s.map.size(); ++tries) {
      if (!MemoryStoreImpl::Expired(it->second, now)) return it->first;
      if (++it == s.map.end()) it = s.map.begin();
    }
  }
  return Status::NotFound();
}

}  // namespace

std::unique_ptr<Store> NewMemoryStore(DbIndex databases, ClockFn clock) {
  return std::make_unique<MemoryStoreImpl>(databases, std::move(clock));
}

}  // namespace ferrite::storage
