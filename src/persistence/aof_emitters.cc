#include "persistence/aof_emitters.h"

#include <string>
#include <vector>

#include "base/string_util.h"
#include "storage/objects/hash_object.h"
#include "storage/objects/list_object.h"
#include "storage/objects/set_object.h"
#include "storage/objects/zset_object.h"

namespace ferrite::persistence {

namespace {

// Gathers the arguments of one command (name, key, items) and emits it every 64 items.
class ChunkedCommand {
 public:
  ChunkedCommand(std::string_view name, std::string_view key, size_t args_per_item,
                 CommandEmit emit)
      : name_(name), key_(key), per_item_(args_per_item), emit_(emit) {
    argv_.reserve(2 + kRewriteItemsPerCommand * per_item_);
  }
  // `args` are per_item_ views that must stay valid until the next Flush (they point into the
  // object, which the caller holds locked).
  void Add(std::initializer_list<std::string_view> args) {
    if (argv_.empty()) {
      argv_.push_back(name_);
      argv_.push_back(key_);
    }
    argv_.insert(argv_.end(), args.begin(), args.end());
    if (++items_ == kRewriteItemsPerCommand) Flush();
  }
  void Flush() {
    if (items_ == 0) return;
    emit_(argv_);
    argv_.clear();
    items_ = 0;
  }

 private:
  std::string_view name_, key_;
  size_t per_item_;
  CommandEmit emit_;
  std::vector<std::string_view> argv_;
  size_t items_ = 0;
};

void EmitExpiry(std::string_view key, int64_t expire_at_ms, CommandEmit emit) {
  if (expire_at_ms == storage::kNoExpiry) return;
  std::string at = std::to_string(expire_at_ms);
  std::string_view argv[] = {"PEXPIREAT", key, at};
  emit(argv);
}

}  // namespace

Status EmitStringRecord(std::string_view key, const storage::RecordView& rec, CommandEmit emit) {
  if (rec.expire_at_ms == storage::kNoExpiry) {
    std::string_view argv[] = {"SET", key, rec.value};
    emit(argv);
  } else {
    std::string at = std::to_string(rec.expire_at_ms);
    std::string_view argv[] = {"SET", key, rec.value, "PXAT", at};
    emit(argv);
  }
  return Status::Ok();
}

Status EmitCollectionRecord(std::string_view key, const storage::RecordView& rec,
                            CommandEmit emit) {
  const storage::StoredObject* obj = rec.object;
  if (obj == nullptr || obj->type() != rec.type) {
    return Status::Corruption("collection record without its object");
  }
  if (obj->Length() == 0) return Status::Ok();  // never stored; nothing to recreate
  std::string_view del[] = {"DEL", key};
  emit(del);
  switch (rec.type) {
    case storage::ValueType::kList: {
      const auto& list = static_cast<const storage::ListObject&>(*obj);
      ChunkedCommand cmd("RPUSH", key, 1, emit);
      for (const std::string& e : list.elements()) cmd.Add({e});
      cmd.Flush();
      break;
    }
    case storage::ValueType::kSet: {
      const auto& set = static_cast<const storage::SetObject&>(*obj);
      ChunkedCommand cmd("SADD", key, 1, emit);
      for (const auto& e : set.table().entries()) cmd.Add({e.key});
      cmd.Flush();
      break;
    }
    case storage::ValueType::kHash: {
      const auto& hash = static_cast<const storage::HashObject&>(*obj);
      ChunkedCommand cmd("HSET", key, 2, emit);
      for (const auto& e : hash.table().entries()) cmd.Add({e.key, e.value});
      cmd.Flush();
      break;
    }
    case storage::ValueType::kZSet: {
      const auto& zset = static_cast<const storage::ZSetObject&>(*obj);
      // Score texts must outlive the views until each command is emitted: one chunk at a time.
      std::vector<std::string> scores;
      scores.reserve(kRewriteItemsPerCommand);
      ChunkedCommand cmd("ZADD", key, 2, emit);
      for (const auto& [score, member] : zset.ordered()) {
        if (scores.size() == kRewriteItemsPerCommand) scores.clear();  // the chunk was emitted
        char buf[64];
        size_t n = D2String(buf, sizeof buf, score);
        scores.emplace_back(buf, n);
        cmd.Add({scores.back(), member});
      }
      cmd.Flush();
      break;
    }
    default:
      return Status::InvalidArgument("no AOF rewrite emitter for this value type");
  }
  EmitExpiry(key, rec.expire_at_ms, emit);
  return Status::Ok();
}

}  // namespace ferrite::persistence
