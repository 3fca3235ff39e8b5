#pragma once
// The checkpoint file format: a consistent snapshot of every database, written while serving.
//
// Layout (integers little-endian; docs/design/persistence.md has the byte-by-byte description):
//
//   magic   "FERRCKP1" (8 bytes)
//   record* [u8 kind][u32 body length][body][u32 check]
//           check = low 32 bits of XXH3-64 over kind, length and body
//   kinds   1 HEADER   u32 format version (1), i64 creation time (Unix ms), u32 databases
//           2 KEY      u32 db, u8 value type, i64 expire_at_ms (0 = none), u32 key length, key,
//                      value (the rest: string bytes, or StoredObject::Serialize for collections)
//           3 COMMANDS u32 db, RESP commands exactly as the AOF holds them (SELECT, MULTI/EXEC
//                      inside are allowed): the commands that ran while the snapshot was taken
//           4 TRAILER  u64 records before it, u64 KEY records, u64 COMMANDS records,
//                      u64 XXH3-64 of every byte before the trailer record, i64 finish time
//                      (Unix ms), u8 AOF position valid, u32 AOF db, u64 AOF offset,
//                      u32 id length, AOF id
//
// The first record is the HEADER, the last the TRAILER, and the file ends right after it. Loading
// applies KEY (upsert) and COMMANDS (replay) records in file order; the result is the data set
// at the moment the capture ended, which is also the AOF position in the trailer. A reader
// verifies every check, the counts and the whole-file hash, so a torn, truncated or bit-flipped
// file is rejected before anything is applied.
//
// Frames: the capture buffer (AofWriter) holds records without their check ([kind][len][body]);
// CheckpointWriter::WriteFrames adds the checks as it writes them out.
//
// Thread safety: the functions are pure; a CheckpointWriter is used by one thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"
#include "persistence/aof_io.h"
#include "storage/store.h"

namespace ferrite::persistence {

inline constexpr std::string_view kCheckpointMagic = "FERRCKP1";
inline constexpr uint32_t kCheckpointVersion = 1;

enum class CheckpointRecord : uint8_t { kHeader = 1, kKey = 2, kCommands = 3, kTrailer = 4 };

// Appends a KEY frame for a live record (collections are serialised).
void AppendKeyFrame(std::string* out, storage::DbIndex db, std::string_view key,
                    const storage::RecordView& rec);
// Appends a COMMANDS frame holding RESP `resp` that starts in database `db`.
void AppendCommandsFrame(std::string* out, storage::DbIndex db, std::string_view resp);

struct CheckpointInfo {
  uint32_t version = 0;
  int64_t created_ms = 0;
  uint32_t databases = 0;
  int64_t finished_ms = 0;
  uint64_t records = 0;  // before the trailer
  uint64_t keys = 0;
  uint64_t command_records = 0;
  uint64_t bytes = 0;  // file size
  bool aof_valid = false;
  std::string aof_id;
  uint64_t aof_offset = 0;
  storage::DbIndex aof_db = 0;
};

class CheckpointWriter {
 public:
  // Creates `path` (truncating it) and writes the magic and the header.
  static Result<std::unique_ptr<CheckpointWriter>> Create(AofIo& io, const std::string& path,
                                                          int64_t created_ms, uint32_t databases);
  // Writes frames (a whole number of them) as records.
  Status WriteFrames(std::string_view frames);
  // Writes the trailer naming `aof_valid`/`aof_id`/`aof_offset`/`aof_db`, then fdatasyncs.
  Status Finish(bool aof_valid, std::string_view aof_id, uint64_t aof_offset,
                storage::DbIndex aof_db, int64_t finished_ms);
  uint64_t bytes() const { return offset_; }
  uint64_t keys() const { return keys_; }

 private:
  CheckpointWriter(std::unique_ptr<AofFile> file) : file_(std::move(file)) {}
  Status WriteRecord(CheckpointRecord kind, std::string_view body);
  Status Flush();

  std::unique_ptr<AofFile> file_;
  std::string out_;
  uint64_t offset_ = 0;
  uint64_t records_ = 0;
  uint64_t keys_ = 0;
  uint64_t commands_ = 0;
  struct HashState;
  std::unique_ptr<HashState, void (*)(HashState*)> hash_{nullptr, nullptr};
};

// What ReadCheckpoint hands over, record by record, once the whole file has been verified.
struct CheckpointVisitor {
  // `value` is the string or the serialised collection.
  std::function<Status(storage::DbIndex db, std::string_view key, storage::ValueType type,
                       int64_t expire_at_ms, std::string_view value)>
      key;
  std::function<Status(storage::DbIndex db, std::string_view resp)> commands;
};

// Verifies the whole file (magic, every check, record order, counts, the whole-file hash) and
// fills *info; Corruption names the file, the offset and what is wrong. With a visitor, the file
// is then read a second time and every KEY and COMMANDS record is passed to it, so nothing is
// applied from a file that is not intact.
Status ReadCheckpoint(AofIo& io, const std::string& path, const CheckpointVisitor* visitor,
                      CheckpointInfo* info);

}  // namespace ferrite::persistence
