#include "persistence/check_aof.h"

#include <string>

#include "persistence/aof_format.h"
#include "persistence/checkpoint_format.h"

namespace ferrite::persistence {

int CheckAofMain(std::span<const std::string_view> args, std::ostream& out, std::ostream& err,
                 AofIo* io_arg) {
  AofIo& io = io_arg ? *io_arg : PosixIo();
  bool fix = false;
  std::string path;
  for (std::string_view a : args) {
    if (a == "--fix") {
      fix = true;
    } else if (!a.empty() && a[0] == '-') {
      err << "Unknown option '" << a << "'\nUsage: ferrite check-aof [--fix] <file.aof>\n";
      return 2;
    } else if (path.empty()) {
      path = a;
    } else {
      err << "Usage: ferrite check-aof [--fix] <file.aof>\n";
      return 2;
    }
  }
  if (path.empty()) {
    err << "Usage: ferrite check-aof [--fix] <file.aof>\n";
    return 2;
  }
  AofScanResult r;
  Status st = ScanAof(
      io, path,
      [](storage::DbIndex, std::span<const std::string_view>, uint64_t) { return Status::Ok(); },
      &r);
  if (!st.ok()) {
    err << "Cannot check " << path << ": " << st.ToString() << "\n";
    return 1;
  }
  out << "AOF analyzed: filename=" << path << ", size=" << r.file_size
      << ", ok_up_to=" << r.valid_bytes << ", commands=" << r.commands
      << ", diff=" << (r.file_size - r.valid_bytes) << "\n";
  if (r.end == AofEnd::kClean) {
    out << "AOF is valid\n";
    return 0;
  }
  out << (r.end == AofEnd::kTorn ? "AOF ends with an incomplete record" : "AOF is corrupt")
      << ": first bad record at offset " << r.bad_offset << " (" << r.reason << ")\n";
  if (!fix) {
    out << "Run 'ferrite check-aof --fix " << path << "' to truncate it to " << r.valid_bytes
        << " bytes\n";
    return 1;
  }
  auto file = io.Open(path, false);
  if (!file) {
    err << "Cannot open " << path << ": " << file.error().ToString() << "\n";
    return 1;
  }
  st = (*file)->Truncate(r.valid_bytes);
  if (st.ok()) st = (*file)->Sync();
  if (!st.ok()) {
    err << "Failed to truncate " << path << ": " << st.ToString() << "\n";
    return 1;
  }
  out << "Successfully truncated AOF " << path << " to " << r.valid_bytes << " bytes (removed "
      << (r.file_size - r.valid_bytes) << " bytes)\n";
  return 0;
}

}  // namespace ferrite::persistence

namespace ferrite::persistence {

int CheckCheckpointMain(std::span<const std::string_view> args, std::ostream& out,
                        std::ostream& err, AofIo* io_arg) {
  AofIo& io = io_arg ? *io_arg : PosixIo();
  if (args.size() != 1 || args[0].empty() || args[0][0] == '-') {
    err << "Usage: ferrite check-checkpoint <checkpoint-N.fcp>\n";
    return 2;
  }
  std::string path(args[0]);
  CheckpointInfo info;
  Status st = ReadCheckpoint(io, path, nullptr, &info);
  if (!st.ok()) {
    out << "Checkpoint is not valid: " << st.message() << "\n";
    return 1;
  }
  out << "Checkpoint analyzed: filename=" << path << ", size=" << info.bytes
      << ", keys=" << info.keys << ", command_records=" << info.command_records
      << ", databases=" << info.databases << ", created_ms=" << info.created_ms
      << ", finished_ms=" << info.finished_ms;
  if (info.aof_valid) {
    out << ", aof_id=" << info.aof_id << ", aof_offset=" << info.aof_offset;
  } else {
    out << ", aof=none";
  }
  out << "\nCheckpoint is valid\n";
  return 0;
}

}  // namespace ferrite::persistence
