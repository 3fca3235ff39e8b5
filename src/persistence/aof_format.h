#pragma once
// The AOF file format (RESP multibulk commands, as Redis writes them) and its readers: the
// encoder the writer uses, the scanner recovery and `ferrite check-aof` share, and ReplayAof.
//
// A file is a sequence of records, each one command: "*<argc>\r\n" then argc times
// "$<len>\r\n<len bytes>\r\n". "SELECT <db>" records switch the database of the records after
// them; "MULTI" ... "EXEC" group a transaction. A line starting with '#' is an annotation that
// readers skip, as Redis 7.0 does: every AOF Ferrite creates starts with
// "#ferrite-aof-id:<32 hex>\r\n", the identity checkpoints refer to (the AOF position a
// checkpoint covers is an offset in one identified file). docs/design/persistence.md gives the
// details.
//
// The scanner classifies the end of a file three ways:
//   - clean: the last record is complete;
//   - torn: the file ends inside a record or inside a MULTI without its EXEC, or the bytes from
//     a record boundary to the end are all zero (a crash after the file grew but before its data
//     reached the disk). Recovery truncates it to the last complete record, with a warning, as
//     Redis's aof-load-truncated does;
//   - corrupt: a record that is malformed and is followed by more data. Recovery refuses to
//     start; the error names the file and the byte offset of the bad record.
//
// Thread safety: pure functions; ReplayAof and ScanAof read one file on the calling thread.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "base/function_ref.h"
#include "base/result.h"
#include "base/status.h"
#include "persistence/aof_io.h"
#include "storage/store.h"

namespace ferrite::persistence {

// Appends `argv` as one RESP multibulk record.
void AppendCommand(std::string* out, std::span<const std::string_view> argv);
// Appends "SELECT <db>".
void AppendSelect(std::string* out, storage::DbIndex db);
// Bytes AppendCommand would append.
size_t EncodedSize(std::span<const std::string_view> argv);
// A fresh random AOF identity (32 lowercase hex digits).
std::string NewAofId();
// Appends the "#ferrite-aof-id:<id>\r\n" line that starts every AOF Ferrite creates.
void AppendIdAnnotation(std::string* out, std::string_view id);
// The id of the AOF at `path`, or "" when its first line is not an id annotation.
Result<std::string> ReadAofId(AofIo& io, const std::string& path);

enum class AofEnd : uint8_t { kClean, kTorn, kCorrupt };

struct AofScanResult {
  AofEnd end = AofEnd::kClean;
  uint64_t file_size = 0;
  uint64_t valid_bytes = 0;  // end of the last complete record (and complete transaction)
  uint64_t commands = 0;     // commands delivered (SELECT, MULTI and EXEC not counted)
  uint64_t bad_offset = 0;   // kTorn / kCorrupt: where the first bad record starts
  std::string reason;        // kTorn / kCorrupt: what was wrong, with the offset
  std::string aof_id;        // from the id annotation at offset 0, if the scan started there
};

// Where a scan starts: a record boundary and the database selected there (a checkpoint's AOF
// position).
struct ScanStart {
  uint64_t offset = 0;
  storage::DbIndex db = 0;
};

// Called for every complete command, in file order, with the database selected for it. SELECT,
// MULTI and EXEC are consumed by the scanner: a transaction's commands are delivered only once
// its EXEC has been read, so a torn transaction is never half applied. `argv` is valid during the
// call. A non-OK status stops the scan and is returned.
using AofVisitor = FunctionRef<Status(storage::DbIndex db, std::span<const std::string_view> argv,
                                      uint64_t record_offset)>;

// Reads `path` from the start. Returns OK when the file could be read (whatever its end looks
// like: see result->end), the visitor's error, or an I/O error.
Status ScanAof(AofIo& io, const std::string& path, AofVisitor visitor, AofScanResult* result,
               const ScanStart& start = {});

// ScanAof over bytes in memory (a checkpoint's COMMANDS record), starting in database `db`.
Status ScanAofBytes(std::string_view bytes, storage::DbIndex db, AofVisitor visitor,
                    AofScanResult* result);

struct ReplayOptions {
  AofIo* io = nullptr;             // default: PosixIo()
  bool truncate_torn_tail = true;  // false: a torn tail is an error, as aof-load-truncated no
  uint64_t progress_every_bytes = 64ull << 20;  // log a progress line this often
  // Replay from this record boundary, with this database selected (after a checkpoint).
  uint64_t start_offset = 0;
  storage::DbIndex start_db = 0;
};

struct ReplayStats {
  bool file_found = false;
  uint64_t commands = 0;
  uint64_t bytes = 0;            // valid bytes loaded
  uint64_t truncated_bytes = 0;  // removed from a torn tail
  double seconds = 0;
};

using ApplyFn = std::function<Status(storage::DbIndex db, std::span<const std::string_view> argv)>;

// Recovery: feeds every command of `path` to `apply`. A missing file is an empty data set (OK,
// stats->file_found false). A torn tail is truncated away with a warning. Corruption returns
// kCorruption: "Bad file format reading the append only file <path> at offset <n>: <reason>;
// run 'ferrite check-aof --fix <path>'". `apply` should treat command-level errors (WRONGTYPE and
// the like, which a replay can meet exactly as the original execution did) as success, as Redis's
// loader does, and fail only on what makes the data set unrecoverable.
Status ReplayAof(const std::string& path, const ApplyFn& apply, const ReplayOptions& options,
                 ReplayStats* stats);

}  // namespace ferrite::persistence
