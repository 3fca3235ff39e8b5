#include "persistence/checkpoint_format.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cstring>

namespace ferrite::persistence {

static_assert(std::endian::native == std::endian::little, "checkpoints are little-endian");

namespace {

constexpr size_t kFrameHeader = 5;           // kind + body length
constexpr size_t kWriteChunk = 1 << 20;      // buffered bytes written at once
constexpr size_t kMaxBody = UINT32_MAX;      // a body length must fit its u32
constexpr size_t kKeyFixed = 4 + 1 + 8 + 4;  // db, type, expiry, key length
constexpr size_t kTrailerFixed = 8 * 5 + 1 + 4 + 8 + 4;

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <typename T>
T Get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

uint32_t Check(std::string_view header, std::string_view body) {
  XXH3_state_t st;
  XXH3_64bits_reset(&st);
  XXH3_64bits_update(&st, header.data(), header.size());
  XXH3_64bits_update(&st, body.data(), body.size());
  return static_cast<uint32_t>(XXH3_64bits_digest(&st));
}

// Reserves a frame header; returns its position for PatchLength.
size_t BeginFrame(std::string* out, CheckpointRecord kind) {
  size_t at = out->size();
  out->push_back(static_cast<char>(kind));
  Put<uint32_t>(out, 0);
  return at;
}

void PatchLength(std::string* out, size_t at) {
  uint32_t len = static_cast<uint32_t>(out->size() - at - kFrameHeader);
  std::memcpy(out->data() + at + 1, &len, sizeof len);
}

Status Bad(const std::string& path, uint64_t offset, std::string_view what) {
  return Status::Corruption("checkpoint " + path + " at offset " + std::to_string(offset) + ": " +
                            std::string(what));
}

// Sequential reads through a 1 MiB window, so a record costs no syscall of its own.
class WindowReader {
 public:
  WindowReader(AofFile& f, uint64_t size) : f_(f), size_(size) {}
  // Points *out at the `n` bytes at `offset` (valid until the next call); false past the end.
  Result<bool> Get(uint64_t offset, size_t n, std::string_view* out) {
    if (offset + n > size_) return false;
    if (offset < base_ || offset + n > base_ + buf_.size()) {
      size_t want =
          static_cast<size_t>(std::min<uint64_t>(std::max<size_t>(n, kWriteChunk), size_ - offset));
      buf_.resize(want);
      size_t got = 0;
      while (got < want) {
        auto r = f_.ReadAt(offset + got, buf_.data() + got, want - got);
        if (!r) return std::move(r).error();
        if (*r == 0) return false;
        got += *r;
      }
      base_ = offset;
    }
    *out = std::string_view(buf_).substr(offset - base_, n);
    return true;
  }

 private:
  AofFile& f_;
  uint64_t size_;
  std::string buf_;
  uint64_t base_ = 0;
};

}  // namespace

void AppendKeyFrame(std::string* out, storage::DbIndex db, std::string_view key,
                    const storage::RecordView& rec) {
  size_t at = BeginFrame(out, CheckpointRecord::kKey);
  Put<uint32_t>(out, db);
  Put<uint8_t>(out, static_cast<uint8_t>(rec.type));
  Put<int64_t>(out, rec.expire_at_ms);
  Put<uint32_t>(out, static_cast<uint32_t>(key.size()));
  out->append(key);
  if (rec.object != nullptr) {
    rec.object->Serialize(out);
  } else {
    out->append(rec.value);
  }
  PatchLength(out, at);
}

void AppendCommandsFrame(std::string* out, storage::DbIndex db, std::string_view resp) {
  out->push_back(static_cast<char>(CheckpointRecord::kCommands));
  Put<uint32_t>(out, static_cast<uint32_t>(4 + resp.size()));
  Put<uint32_t>(out, db);
  out->append(resp);
}

struct CheckpointWriter::HashState {
  XXH3_state_t state;
};

Result<std::unique_ptr<CheckpointWriter>> CheckpointWriter::Create(AofIo& io,
                                                                   const std::string& path,
                                                                   int64_t created_ms,
                                                                   uint32_t databases) {
  Status rm = io.Remove(path);
  if (!rm.ok()) return rm;
  auto f = io.Open(path, true);
  if (!f) return std::move(f).error();
  std::unique_ptr<CheckpointWriter> w(new CheckpointWriter(std::move(*f)));
  w->hash_ = std::unique_ptr<HashState, void (*)(HashState*)>(new HashState,
                                                              [](HashState* h) { delete h; });
  XXH3_64bits_reset(&w->hash_->state);
  w->out_.append(kCheckpointMagic);
  std::string header;
  Put<uint32_t>(&header, kCheckpointVersion);
  Put<int64_t>(&header, created_ms);
  Put<uint32_t>(&header, databases);
  Status st = w->WriteRecord(CheckpointRecord::kHeader, header);
  if (!st.ok()) return st;
  return w;
}

Status CheckpointWriter::WriteRecord(CheckpointRecord kind, std::string_view body) {
  if (body.size() > kMaxBody) return Status::InvalidArgument("checkpoint record too large");
  char head[kFrameHeader];
  head[0] = static_cast<char>(kind);
  uint32_t len = static_cast<uint32_t>(body.size());
  std::memcpy(head + 1, &len, sizeof len);
  out_.append(head, sizeof head);
  out_.append(body);
  Put<uint32_t>(&out_, Check(std::string_view(head, sizeof head), body));
  ++records_;
  if (kind == CheckpointRecord::kKey) ++keys_;
  if (kind == CheckpointRecord::kCommands) ++commands_;
  return out_.size() >= kWriteChunk ? Flush() : Status::Ok();
}

Status CheckpointWriter::Flush() {
  if (out_.empty()) return Status::Ok();
  XXH3_64bits_update(&hash_->state, out_.data(), out_.size());
  Status st = file_->WriteAt(offset_, out_.data(), out_.size());
  if (!st.ok()) return st;
  offset_ += out_.size();
  out_.clear();
  return Status::Ok();
}

Status CheckpointWriter::WriteFrames(std::string_view frames) {
  while (!frames.empty()) {
    if (frames.size() < kFrameHeader) return Status::Corruption("partial checkpoint frame");
    auto kind = static_cast<CheckpointRecord>(frames[0]);
    uint32_t len = Get<uint32_t>(frames.data() + 1);
    if (frames.size() - kFrameHeader < len) return Status::Corruption("partial checkpoint frame");
    Status st = WriteRecord(kind, frames.substr(kFrameHeader, len));
    if (!st.ok()) return st;
    frames.remove_prefix(kFrameHeader + len);
  }
  return Status::Ok();
}

Status CheckpointWriter::Finish(bool aof_valid, std::string_view aof_id, uint64_t aof_offset,
                                storage::DbIndex aof_db, int64_t finished_ms) {
  Status st = Flush();
  if (!st.ok()) return st;
  std::string t;
  Put<uint64_t>(&t, records_);
  Put<uint64_t>(&t, keys_);
  Put<uint64_t>(&t, commands_);
  Put<uint64_t>(&t, XXH3_64bits_digest(&hash_->state));
  Put<int64_t>(&t, finished_ms);
  Put<uint8_t>(&t, aof_valid ? 1 : 0);
  Put<uint32_t>(&t, aof_db);
  Put<uint64_t>(&t, aof_offset);
  Put<uint32_t>(&t, static_cast<uint32_t>(aof_id.size()));
  t.append(aof_id);
  st = WriteRecord(CheckpointRecord::kTrailer, t);
  if (st.ok()) st = Flush();
  if (st.ok()) st = file_->Sync();
  return st;
}

namespace {

// One pass over the file; `visitor` null = verify only.
Status Pass(AofFile& f, uint64_t size, const std::string& path, const CheckpointVisitor* visitor,
            CheckpointInfo* info) {
  WindowReader reader(f, size);
  std::string_view magic;
  auto ok = reader.Get(0, kCheckpointMagic.size(), &magic);
  if (!ok) return std::move(ok).error();
  if (!*ok || magic != kCheckpointMagic) return Bad(path, 0, "not a checkpoint (bad magic)");
  XXH3_state_t hash;
  XXH3_64bits_reset(&hash);
  XXH3_64bits_update(&hash, magic.data(), magic.size());
  uint64_t offset = magic.size();
  uint64_t records = 0, keys = 0, commands = 0;
  std::string_view record;
  for (;;) {
    if (offset == size) return Bad(path, offset, "no trailer (the file is truncated)");
    ok = reader.Get(offset, kFrameHeader, &record);
    if (!ok) return std::move(ok).error();
    if (!*ok) return Bad(path, offset, "truncated record header");
    uint32_t len = Get<uint32_t>(record.data() + 1);
    if (size - offset < kFrameHeader + uint64_t{len} + 4) {
      return Bad(path, offset, "record runs past the end of the file");
    }
    ok = reader.Get(offset, kFrameHeader + len + 4, &record);
    if (!ok) return std::move(ok).error();
    if (!*ok) return Bad(path, offset, "truncated record");
    std::string_view head = record.substr(0, kFrameHeader);
    std::string_view body = record.substr(kFrameHeader, len);
    std::string_view check = record.substr(kFrameHeader + len, 4);
    auto kind = static_cast<CheckpointRecord>(head[0]);
    if (Get<uint32_t>(check.data()) != Check(head, body)) {
      return Bad(path, offset, "record checksum mismatch");
    }
    const bool first = records == 0;
    if (first != (kind == CheckpointRecord::kHeader)) {
      return Bad(path, offset, first ? "the first record is not the header" : "a second header");
    }
    switch (kind) {
      case CheckpointRecord::kHeader:
        if (len != 16) return Bad(path, offset, "bad header length");
        info->version = Get<uint32_t>(body.data());
        info->created_ms = Get<int64_t>(body.data() + 4);
        info->databases = Get<uint32_t>(body.data() + 12);
        if (info->version != kCheckpointVersion) {
          return Bad(path, offset, "unsupported format version " + std::to_string(info->version));
        }
        break;
      case CheckpointRecord::kKey: {
        if (len < kKeyFixed) return Bad(path, offset, "KEY record too short");
        uint32_t db = Get<uint32_t>(body.data());
        auto type = static_cast<storage::ValueType>(static_cast<uint8_t>(body[4]));
        int64_t expire = Get<int64_t>(body.data() + 5);
        uint32_t klen = Get<uint32_t>(body.data() + 13);
        if (len - kKeyFixed < klen) return Bad(path, offset, "KEY record key length too long");
        if (db >= info->databases) return Bad(path, offset, "KEY record for a database too high");
        if (static_cast<uint8_t>(type) > static_cast<uint8_t>(storage::ValueType::kHash)) {
          return Bad(path, offset, "KEY record of unknown type");
        }
        ++keys;
        if (visitor && visitor->key) {
          std::string_view b(body);
          Status st =
              visitor->key(db, b.substr(kKeyFixed, klen), type, expire, b.substr(kKeyFixed + klen));
          if (!st.ok()) return st;
        }
        break;
      }
      case CheckpointRecord::kCommands: {
        if (len < 4) return Bad(path, offset, "COMMANDS record too short");
        ++commands;
        if (visitor && visitor->commands) {
          Status st = visitor->commands(Get<uint32_t>(body.data()), body.substr(4));
          if (!st.ok()) return st;
        }
        break;
      }
      case CheckpointRecord::kTrailer: {
        if (len < kTrailerFixed) return Bad(path, offset, "trailer too short");
        const char* p = body.data();
        uint32_t idlen = Get<uint32_t>(p + kTrailerFixed - 4);
        if (len != kTrailerFixed + idlen) return Bad(path, offset, "bad trailer length");
        if (Get<uint64_t>(p) != records || Get<uint64_t>(p + 8) != keys ||
            Get<uint64_t>(p + 16) != commands) {
          return Bad(path, offset, "record counts differ from the trailer's");
        }
        if (Get<uint64_t>(p + 24) != XXH3_64bits_digest(&hash)) {
          return Bad(path, offset, "whole-file hash mismatch");
        }
        if (offset + kFrameHeader + len + 4 != size) {
          return Bad(path, offset, "bytes after the trailer");
        }
        info->finished_ms = Get<int64_t>(p + 32);
        info->aof_valid = p[40] != 0;
        info->aof_db = Get<uint32_t>(p + 41);
        info->aof_offset = Get<uint64_t>(p + 45);
        info->aof_id.assign(p + kTrailerFixed, idlen);
        info->records = records;
        info->keys = keys;
        info->command_records = commands;
        info->bytes = size;
        return Status::Ok();
      }
      default:
        return Bad(path, offset, "unknown record kind " + std::to_string(head[0]));
    }
    XXH3_64bits_update(&hash, record.data(), record.size());
    ++records;
    offset += kFrameHeader + len + 4;
  }
}

}  // namespace

Status ReadCheckpoint(AofIo& io, const std::string& path, const CheckpointVisitor* visitor,
                      CheckpointInfo* info) {
  *info = CheckpointInfo{};
  auto f = io.Open(path, false);
  if (!f) return std::move(f).error();
  auto size = (*f)->Size();
  if (!size) return std::move(size).error();
  Status st = Pass(**f, *size, path, nullptr, info);
  if (!st.ok() || visitor == nullptr) return st;
  CheckpointInfo again;
  return Pass(**f, *size, path, visitor, &again);
}

}  // namespace ferrite::persistence
