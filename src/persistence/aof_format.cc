#include "persistence/aof_format.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include "base/log.h"
#include "base/random.h"
#include "base/string_util.h"

namespace ferrite::persistence {

namespace {

constexpr const char* kTarget = "ferrite::persistence";
constexpr size_t kReadChunk = 1 << 20;
constexpr size_t kMaxHeaderLine = 32;  // "*" or "$", up to 20 digits, "\r\n"
constexpr int64_t kMaxArgs = 1 << 24;
constexpr int64_t kMaxBulk = int64_t{1} << 40;
constexpr size_t kMaxAnnotation = 1024;
constexpr std::string_view kIdAnnotation = "ferrite-aof-id:";

void AppendHeader(std::string* out, char kind, size_t n) {
  char buf[24];
  buf[0] = kind;
  auto r = std::to_chars(buf + 1, buf + sizeof buf - 2, n);
  r.ptr[0] = '\r';
  r.ptr[1] = '\n';
  out->append(buf, static_cast<size_t>(r.ptr + 2 - buf));
}

size_t Digits(size_t n) {
  size_t d = 1;
  while (n >= 10) {
    n /= 10;
    ++d;
  }
  return d;
}

// Buffered sequential reader over an AofFile; parses one record at a time.
class RecordReader {
 public:
  // `chunk`: bytes read at a time (small for bytes already in memory, so a short buffer is not
  // padded to a megabyte).
  RecordReader(AofFile& file, uint64_t file_size, uint64_t start = 0, size_t chunk = kReadChunk)
      : file_(file), file_size_(file_size), chunk_(chunk), base_(start) {}

  enum class Outcome { kRecord, kAnnotation, kEof, kTorn, kBad };

  // Parses the next record into argv_ (views into the buffer, valid until the next call).
  Outcome Next() {
    record_start_ = base_ + pos_;
    argv_.clear();
    int64_t argc = 0;
    if (pos_ == end_ && !Fill(1)) return eof_ ? Outcome::kEof : Outcome::kBad;
    record_start_ = base_ + pos_;
    if (buf_[pos_] == '#') return ReadAnnotation();
    size_t p = pos_;
    Outcome o = ReadHeader('*', &p, &argc, kMaxArgs);
    if (o != Outcome::kRecord) return o;
    if (argc < 1) return Bad("multibulk length must be at least 1");
    // Offsets from the record start, not views: the buffer may still move.
    std::vector<std::pair<size_t, size_t>>& spans = spans_;
    spans.clear();
    for (int64_t i = 0; i < argc; ++i) {
      int64_t len = 0;
      o = ReadHeader('$', &p, &len, kMaxBulk);
      if (o != Outcome::kRecord) return o;
      size_t need = static_cast<size_t>(len) + 2;
      if (end_ - p < need && !FillFrom(&p, need)) return Outcome::kTorn;
      if (buf_[p + len] != '\r' || buf_[p + len + 1] != '\n') {
        return Bad("bulk string not terminated by CRLF at offset " +
                   std::to_string(base_ + p + len));
      }
      spans.emplace_back(p - pos_, static_cast<size_t>(len));
      p += need;
    }
    for (auto [off, len] : spans) argv_.emplace_back(buf_.data() + pos_ + off, len);
    pos_ = p;
    return Outcome::kRecord;
  }

  std::span<const std::string_view> argv() const { return argv_; }
  // The text of the last kAnnotation line, without '#' and CRLF.
  const std::string& annotation() const { return annotation_; }
  uint64_t record_start() const { return record_start_; }
  uint64_t consumed() const { return base_ + pos_; }
  const std::string& reason() const { return reason_; }
  Status io_error() const { return io_error_; }

  // True when every byte from `offset` to the end of the file is zero.
  bool ZerosFrom(uint64_t offset) {
    char chunk[65536];
    while (offset < file_size_) {
      auto n = file_.ReadAt(offset, chunk, std::min<uint64_t>(sizeof chunk, file_size_ - offset));
      if (!n || *n == 0) return false;
      for (size_t i = 0; i < *n; ++i) {
        if (chunk[i] != 0) return false;
      }
      offset += *n;
    }
    return true;
  }

 private:
  // A line starting with '#' (Redis 7 annotations such as "#TS:..."; Ferrite's AOF id). Skipped
  // by every reader, as Redis 7.0's loader and redis-check-aof do.
  Outcome ReadAnnotation() {
    for (;;) {
      size_t avail = end_ - pos_;
      const void* nl = std::memchr(buf_.data() + pos_, '\n', std::min(avail, kMaxAnnotation));
      if (nl != nullptr) {
        size_t len = static_cast<const char*>(nl) - (buf_.data() + pos_);
        size_t text_end = len > 0 && buf_[pos_ + len - 1] == '\r' ? len - 1 : len;
        annotation_.assign(buf_.data() + pos_ + 1, text_end - 1);
        pos_ += len + 1;
        return Outcome::kAnnotation;
      }
      if (avail >= kMaxAnnotation)
        return Bad("annotation line too long at offset " + std::to_string(base_ + pos_));
      if (!Fill(avail + 1)) return Outcome::kTorn;
    }
  }

  Outcome Bad(std::string reason) {
    reason_ = std::move(reason);
    return Outcome::kBad;
  }

  Outcome ReadHeader(char kind, size_t* p, int64_t* value, int64_t max) {
    // Find "\r\n" within kMaxHeaderLine bytes, reading more as needed.
    for (;;) {
      size_t avail = end_ - *p;
      const char* start = buf_.data() + *p;
      const void* cr = std::memchr(start, '\r', std::min(avail, kMaxHeaderLine));
      if (cr != nullptr) {
        size_t line = static_cast<const char*>(cr) - start;
        if (line + 1 >= avail && !FillFrom(p, line + 2)) return Outcome::kTorn;
        start = buf_.data() + *p;
        if (start[line + 1] != '\n') return Bad(Where(*p, "header line not terminated by CRLF"));
        if (line < 2 || start[0] != kind) {
          return Bad(Where(*p, std::string("expected '") + kind + "'"));
        }
        int64_t v = 0;
        auto r = std::from_chars(start + 1, start + line, v);
        if (r.ec != std::errc() || r.ptr != start + line || v < 0 || v > max) {
          return Bad(Where(
              *p, std::string("invalid ") + (kind == '*' ? "argument count" : "bulk length")));
        }
        *value = v;
        *p += line + 2;
        return Outcome::kRecord;
      }
      if (avail >= kMaxHeaderLine) return Bad(Where(*p, "header line too long"));
      if (!FillFrom(p, avail + 1)) {
        if (avail > 0 && (buf_[*p] != kind)) {
          return Bad(Where(*p, std::string("expected '") + kind + "'"));
        }
        return Outcome::kTorn;
      }
    }
  }

  std::string Where(size_t p, std::string_view what) {
    return std::string(what) + " at offset " + std::to_string(base_ + p);
  }

  // Ensures `need` bytes from *p (a position inside the current record) are buffered. Returns
  // false at end of file (or on an I/O error, kept in io_error_).
  bool FillFrom(size_t* p, size_t need) {
    size_t rel = *p - pos_;
    if (!Fill(rel + need)) return false;
    *p = pos_ + rel;
    return true;
  }
  // Ensures `need` bytes from pos_ are buffered.
  bool Fill(size_t need) {
    if (end_ - pos_ >= need) return true;
    // Drop consumed bytes, keeping the current record.
    if (pos_ > 0) {
      std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
      end_ -= pos_;
      base_ += pos_;
      pos_ = 0;
    }
    while (end_ < need) {
      if (base_ + end_ >= file_size_) {
        eof_ = true;
        return false;
      }
      size_t want = std::max(need - end_, chunk_);
      if (buf_.size() < end_ + want) buf_.resize(end_ + want);
      auto n = file_.ReadAt(base_ + end_, buf_.data() + end_, want);
      if (!n) {
        io_error_ = n.error();
        return false;
      }
      if (*n == 0) {
        eof_ = true;
        return false;
      }
      end_ += *n;
    }
    return true;
  }

  AofFile& file_;
  uint64_t file_size_;
  size_t chunk_;
  std::string buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
  uint64_t base_ = 0;  // file offset of buf_[0]
  bool eof_ = false;
  uint64_t record_start_ = 0;
  std::vector<std::string_view> argv_;
  std::vector<std::pair<size_t, size_t>> spans_;
  std::string reason_;
  std::string annotation_;
  Status io_error_;
};

}  // namespace

void AppendCommand(std::string* out, std::span<const std::string_view> argv) {
  AppendHeader(out, '*', argv.size());
  for (std::string_view a : argv) {
    AppendHeader(out, '$', a.size());
    out->append(a);
    out->append("\r\n", 2);
  }
}

std::string NewAofId() {
  unsigned char bytes[16];
  FillRandomBytes(bytes, sizeof bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 15]);
  }
  return id;
}

void AppendIdAnnotation(std::string* out, std::string_view id) {
  out->push_back('#');
  out->append(kIdAnnotation);
  out->append(id);
  out->append("\r\n");
}

Result<std::string> ReadAofId(AofIo& io, const std::string& path) {
  auto file = io.Open(path, false);
  if (!file) return std::move(file).error();
  char buf[kMaxAnnotation];
  auto n = (*file)->ReadAt(0, buf, sizeof buf);
  if (!n) return std::move(n).error();
  std::string_view head(buf, *n);
  std::string prefix = "#" + std::string(kIdAnnotation);
  size_t eol = head.find("\r\n");
  if (head.substr(0, prefix.size()) != prefix || eol == std::string_view::npos) {
    return std::string();
  }
  return std::string(head.substr(prefix.size(), eol - prefix.size()));
}

void AppendSelect(std::string* out, storage::DbIndex db) {
  std::string n = std::to_string(db);
  std::string_view argv[] = {"SELECT", n};
  AppendCommand(out, argv);
}

size_t EncodedSize(std::span<const std::string_view> argv) {
  size_t n = 3 + Digits(argv.size());
  for (std::string_view a : argv) n += 3 + Digits(a.size()) + a.size() + 2;
  return n;
}

namespace {

// A read-only AofFile over bytes in memory (a checkpoint's COMMANDS record).
class ViewFile final : public AofFile {
 public:
  explicit ViewFile(std::string_view bytes) : bytes_(bytes) {}
  Status WriteAt(uint64_t, const void*, size_t) override { return Status::IoError("read-only"); }
  Result<size_t> ReadAt(uint64_t offset, void* data, size_t n) override {
    if (offset >= bytes_.size()) return size_t{0};
    n = std::min<size_t>(n, bytes_.size() - offset);
    std::memcpy(data, bytes_.data() + offset, n);
    return n;
  }
  Status Sync() override { return Status::Ok(); }
  Status Truncate(uint64_t) override { return Status::IoError("read-only"); }
  Result<uint64_t> Size() override { return static_cast<uint64_t>(bytes_.size()); }

 private:
  std::string_view bytes_;
};

Status ScanFile(AofFile& file, uint64_t size, AofVisitor visitor, AofScanResult* result,
                const ScanStart& start, size_t chunk = kReadChunk);

}  // namespace

Status ScanAofBytes(std::string_view bytes, storage::DbIndex db, AofVisitor visitor,
                    AofScanResult* result) {
  *result = AofScanResult{};
  ViewFile file(bytes);
  return ScanFile(file, bytes.size(), visitor, result, ScanStart{0, db},
                  std::max<size_t>(bytes.size(), 64));
}

Status ScanAof(AofIo& io, const std::string& path, AofVisitor visitor, AofScanResult* result,
               const ScanStart& start) {
  *result = AofScanResult{};
  auto file = io.Open(path, false);
  if (!file) return std::move(file).error();
  auto size = (*file)->Size();
  if (!size) return std::move(size).error();
  if (start.offset > *size) {
    return Status::Corruption("the append only file " + path + " is shorter (" +
                              std::to_string(*size) + " bytes) than the position " +
                              std::to_string(start.offset) + " to replay from");
  }
  return ScanFile(**file, *size, visitor, result, start);
}

namespace {

Status ScanFile(AofFile& file, uint64_t size, AofVisitor visitor, AofScanResult* result,
                const ScanStart& start, size_t chunk) {
  result->file_size = size;
  result->valid_bytes = start.offset;
  RecordReader reader(file, size, start.offset, chunk);

  storage::DbIndex db = start.db;
  bool in_multi = false;
  uint64_t multi_start = 0;
  // A transaction's commands, delivered at its EXEC.
  struct Queued {
    storage::DbIndex db;
    uint64_t offset;
    std::vector<std::string> argv;
  };
  std::vector<Queued> queued;
  std::vector<std::string_view> views;

  auto fail = [&](AofEnd end, uint64_t offset, std::string reason) {
    result->end = end;
    result->bad_offset = offset;
    result->reason = std::move(reason);
  };

  for (;;) {
    RecordReader::Outcome o = reader.Next();
    if (!reader.io_error().ok()) return reader.io_error();
    if (o == RecordReader::Outcome::kEof) {
      if (in_multi) {
        fail(AofEnd::kTorn, multi_start,
             "MULTI without EXEC at end of file (offset " + std::to_string(multi_start) + ")");
      }
      return Status::Ok();
    }
    if (o == RecordReader::Outcome::kTorn) {
      uint64_t at = in_multi ? multi_start : reader.record_start();
      fail(AofEnd::kTorn, at,
           "unexpected end of file inside the record at offset " +
               std::to_string(reader.record_start()));
      return Status::Ok();
    }
    if (o == RecordReader::Outcome::kBad) {
      uint64_t at = reader.record_start();
      if (reader.ZerosFrom(at)) {
        fail(AofEnd::kTorn, in_multi ? multi_start : at,
             "zero-filled tail from offset " + std::to_string(at));
      } else {
        fail(AofEnd::kCorrupt, at, reader.reason());
      }
      return Status::Ok();
    }
    if (o == RecordReader::Outcome::kAnnotation) {
      std::string_view text = reader.annotation();
      if (reader.record_start() == 0 && text.substr(0, kIdAnnotation.size()) == kIdAnnotation) {
        result->aof_id = std::string(text.substr(kIdAnnotation.size()));
      }
      if (!in_multi) result->valid_bytes = reader.consumed();
      continue;
    }
    std::span<const std::string_view> argv = reader.argv();
    uint64_t offset = reader.record_start();
    if (EqualsIgnoreCase(argv[0], "SELECT")) {
      int64_t n = -1;
      if (argv.size() != 2 || !String2ll(argv[1], &n) || n < 0 || n > UINT32_MAX) {
        fail(AofEnd::kCorrupt, offset, "invalid SELECT at offset " + std::to_string(offset));
        return Status::Ok();
      }
      db = static_cast<storage::DbIndex>(n);
    } else if (EqualsIgnoreCase(argv[0], "MULTI") && argv.size() == 1) {
      if (in_multi) {
        fail(AofEnd::kCorrupt, offset, "nested MULTI at offset " + std::to_string(offset));
        return Status::Ok();
      }
      in_multi = true;
      multi_start = offset;
      queued.clear();
    } else if (EqualsIgnoreCase(argv[0], "EXEC") && argv.size() == 1) {
      if (!in_multi) {
        fail(AofEnd::kCorrupt, offset, "EXEC without MULTI at offset " + std::to_string(offset));
        return Status::Ok();
      }
      in_multi = false;
      for (const Queued& q : queued) {
        views.assign(q.argv.begin(), q.argv.end());
        Status st = visitor(q.db, views, q.offset);
        if (!st.ok()) return st;
        ++result->commands;
      }
      queued.clear();
    } else if (in_multi) {
      queued.push_back(Queued{db, offset, std::vector<std::string>(argv.begin(), argv.end())});
    } else {
      Status st = visitor(db, argv, offset);
      if (!st.ok()) return st;
      ++result->commands;
    }
    if (!in_multi) result->valid_bytes = reader.consumed();
  }
}

}  // namespace

Status ReplayAof(const std::string& path, const ApplyFn& apply, const ReplayOptions& options,
                 ReplayStats* stats) {
  *stats = ReplayStats{};
  AofIo& io = options.io ? *options.io : PosixIo();
  if (!io.Exists(path)) {
    FERRITE_INFO(kTarget, "no append only file at {}: starting with an empty data set", path);
    return Status::Ok();
  }
  stats->file_found = true;
  auto start = std::chrono::steady_clock::now();
  auto last_log = start;
  uint64_t next_progress = options.start_offset + options.progress_every_bytes;
  AofScanResult scan;
  if (options.start_offset > 0) {
    FERRITE_INFO(kTarget,
                 "loading the append only file {} from offset {} (the checkpoint holds "
                 "what comes before)",
                 path, options.start_offset);
  } else {
    FERRITE_INFO(kTarget, "loading the append only file {}", path);
  }
  uint64_t total = 0;
  Status st = ScanAof(
      io, path,
      [&](storage::DbIndex db, std::span<const std::string_view> argv, uint64_t offset) -> Status {
        if (offset >= next_progress) {
          auto now = std::chrono::steady_clock::now();
          if (now - last_log >= std::chrono::seconds(1)) {
            FERRITE_INFO(kTarget, "loading {}: {} MB read, {} commands", path, offset >> 20, total);
            last_log = now;
          }
          next_progress = offset + options.progress_every_bytes;
        }
        ++total;
        Status s = apply(db, argv);
        if (!s.ok()) {
          return Status(s.code(), "replaying the command at offset " + std::to_string(offset) +
                                      " of " + path + ": " + std::string(s.message()));
        }
        return Status::Ok();
      },
      &scan, ScanStart{options.start_offset, options.start_db});
  if (!st.ok()) return st;
  stats->commands = scan.commands;
  stats->bytes = scan.valid_bytes;
  if (scan.end == AofEnd::kCorrupt) {
    return Status::Corruption("Bad file format reading the append only file " + path +
                              " at offset " + std::to_string(scan.bad_offset) + ": " + scan.reason +
                              "; run 'ferrite check-aof --fix " + path + "'");
  }
  if (scan.end == AofEnd::kTorn) {
    if (!options.truncate_torn_tail) {
      return Status::Corruption("The append only file " + path + " ends with a torn record at " +
                                "offset " + std::to_string(scan.bad_offset) + " (" + scan.reason +
                                ")");
    }
    auto file = io.Open(path, false);
    if (!file) return std::move(file).error();
    Status t = (*file)->Truncate(scan.valid_bytes);
    if (t.ok()) t = (*file)->Sync();
    if (!t.ok()) return t;
    stats->truncated_bytes = scan.file_size - scan.valid_bytes;
    FERRITE_WARN(kTarget,
                 "!!! Warning: short read while loading the AOF file {}: {}. Truncated the AOF "
                 "to {} bytes (removed {} bytes of the last, incomplete command) !!!",
                 path, scan.reason, scan.valid_bytes, stats->truncated_bytes);
  }
  stats->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  FERRITE_INFO(kTarget, "DB loaded from append only file {}: {} commands, {} bytes in {} seconds",
               path, stats->commands, stats->bytes, stats->seconds);
  return Status::Ok();
}

}  // namespace ferrite::persistence
