#pragma once
// Test helpers for the persistence tests: a temporary directory, an in-memory HybridLog store, a
// tiny executor for the commands the tests issue (the real ones live in commands/, which the
// persistence layer must not depend on), and a canonical dump of a database for comparisons.
//
// Thread safety: Exec may run from several threads on distinct sessions; callers lock keys.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/string_util.h"
#include "io/mem_device.h"
#include "storage/hlog/hybrid_log_store.h"
#include "storage/objects/hash_object.h"
#include "storage/objects/list_object.h"
#include "storage/objects/set_object.h"
#include "storage/objects/zset_object.h"

namespace ferrite::persistence::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ferrite_persist_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf " + path_).c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A HybridLog store on a MemDevice, big enough that no record of these tests reaches disk.
inline std::unique_ptr<storage::Store> NewStore(storage::DbIndex databases) {
  storage::HybridLogOptions o;
  o.device = std::make_shared<io::MemDevice>();
  o.databases = databases;
  o.max_memory = 64ull << 20;
  o.page_size = 1u << 20;
  o.segment_size = 8ull << 20;
  auto store = storage::NewHybridLogStore(o);
  EXPECT_TRUE(store) << store.error().ToString();
  return std::move(*store);
}

// Runs SET [PXAT], INCR, DEL, PEXPIREAT, RPUSH, SADD, HSET, ZADD, FLUSHALL.
inline Status Exec(storage::StoreSession& s, storage::DbIndex db,
                   std::span<const std::string_view> a) {
  auto is = [&](std::string_view name) { return EqualsIgnoreCase(a[0], name); };
  if (is("SET")) {
    storage::RecordBuilder rec;
    rec.value = std::string(a[2]);
    if (a.size() == 5) String2ll(a[4], &rec.expire_at_ms);
    return s.Upsert(db, a[1], rec);
  }
  if (is("DEL")) {
    Status st = s.Delete(db, a[1]);
    return st.IsNotFound() ? Status::Ok() : st;
  }
  if (is("FLUSHALL")) return Status::Ok();  // not issued with data the tests check
  // Everything else reads the current record first.
  storage::RecordBuilder rec;
  bool found = false;
  Status rs = s.Read(db, a[1], [&](const storage::RecordView& r) {
    found = true;
    rec.type = r.type;
    rec.expire_at_ms = r.expire_at_ms;
    rec.value = std::string(r.value);
    if (r.object != nullptr) rec.object = r.object->Clone();
  });
  if (!rs.ok() && !rs.IsNotFound()) return rs;
  if (is("INCR")) {
    int64_t v = 0;
    if (found) String2ll(rec.value, &v);
    rec.value = std::to_string(v + 1);
    return s.Upsert(db, a[1], rec);
  }
  if (is("PEXPIREAT")) {
    if (!found) return Status::Ok();
    String2ll(a[2], &rec.expire_at_ms);
    return s.Upsert(db, a[1], rec);
  }
  if (!found) {
    if (is("RPUSH")) {
      rec.type = storage::ValueType::kList;
      rec.object = std::make_unique<storage::ListObject>();
    } else if (is("SADD")) {
      rec.type = storage::ValueType::kSet;
      rec.object = std::make_unique<storage::SetObject>();
    } else if (is("HSET")) {
      rec.type = storage::ValueType::kHash;
      rec.object = std::make_unique<storage::HashObject>();
    } else if (is("ZADD")) {
      rec.type = storage::ValueType::kZSet;
      rec.object = std::make_unique<storage::ZSetObject>();
    } else {
      return Status::InvalidArgument("unexpected command " + std::string(a[0]));
    }
  }
  if (is("RPUSH")) {
    auto& l = static_cast<storage::ListObject&>(*rec.object);
    for (size_t i = 2; i < a.size(); ++i) l.PushBack(a[i]);
  } else if (is("SADD")) {
    auto& set = static_cast<storage::SetObject&>(*rec.object);
    for (size_t i = 2; i < a.size(); ++i) set.table().Set(a[i], storage::NoValue{});
  } else if (is("HSET")) {
    auto& h = static_cast<storage::HashObject&>(*rec.object);
    for (size_t i = 2; i + 1 < a.size(); i += 2) h.table().Set(a[i], std::string(a[i + 1]));
  } else if (is("ZADD")) {
    auto& z = static_cast<storage::ZSetObject&>(*rec.object);
    for (size_t i = 2; i + 1 < a.size(); i += 2) {
      double score = 0;
      if (!String2d(a[i], &score)) return Status::InvalidArgument("bad score");
      z.Add(a[i + 1], score);
    }
  } else {
    return Status::InvalidArgument("unexpected command " + std::string(a[0]));
  }
  return s.Upsert(db, a[1], rec);
}

// key -> "type|expiry|canonical value" (sets and hashes sorted, zsets in score order).
inline std::string Canonical(const storage::RecordView& r) {
  std::string out =
      std::to_string(static_cast<int>(r.type)) + "|" + std::to_string(r.expire_at_ms) + "|";
  if (r.object == nullptr) return out + std::string(r.value);
  std::vector<std::string> items;
  switch (r.type) {
    case storage::ValueType::kList:
      for (const auto& e : static_cast<const storage::ListObject&>(*r.object).elements()) {
        out += e + ",";
      }
      return out;
    case storage::ValueType::kSet:
      for (const auto& e : static_cast<const storage::SetObject&>(*r.object).table().entries()) {
        items.push_back(e.key);
      }
      break;
    case storage::ValueType::kHash:
      for (const auto& e : static_cast<const storage::HashObject&>(*r.object).table().entries()) {
        items.push_back(e.key + "=" + e.value);
      }
      break;
    case storage::ValueType::kZSet:
      for (const auto& [score, m] : static_cast<const storage::ZSetObject&>(*r.object).ordered()) {
        char buf[64];
        items.push_back(std::string(buf, D2String(buf, sizeof buf, score)) + ":" + m);
      }
      break;
    default:
      break;
  }
  if (r.type != storage::ValueType::kZSet) std::sort(items.begin(), items.end());
  for (const auto& i : items) out += i + ",";
  return out;
}

inline std::map<std::string, std::string> Dump(storage::Store& store, storage::DbIndex db) {
  std::map<std::string, std::string> out;
  auto s = store.NewSession();
  uint64_t cursor = 0;
  do {
    cursor = s->Scan(db, cursor, 100, [&](std::string_view k, const storage::RecordView& r) {
      out[std::string(k)] = Canonical(r);
    });
  } while (cursor != 0);
  return out;
}

// Reports the first differences between two dumps.
inline void ExpectSameData(const std::map<std::string, std::string>& live,
                           const std::map<std::string, std::string>& back,
                           const std::string& what) {
  EXPECT_EQ(live.size(), back.size()) << what;
  int shown = 0;
  for (const auto& [k, v] : live) {
    auto it = back.find(k);
    if (it == back.end()) {
      if (shown++ < 5) ADD_FAILURE() << what << ": " << k << " missing";
    } else if (it->second != v) {
      if (shown++ < 5) ADD_FAILURE() << what << ": " << k << " = " << it->second << ", live " << v;
    }
  }
  for (const auto& [k, v] : back) {
    if (!live.count(k) && shown++ < 5) ADD_FAILURE() << what << ": " << k << " only recovered";
  }
}

}  // namespace ferrite::persistence::testing
