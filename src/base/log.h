#pragma once
// The leveled, structured logger every layer uses.
//
//   FERRITE_INFO("ferrite::server", "listening on {}:{}", bind, port);
//   FERRITE_LOG_FIELDS(log::Level::kDebug, "ferrite::commands::strings", "Command executed",
//                      {"command", "SET"}, {"key", key}, {"duration_us", 45});
//
// Each call site names a target (a module path such as "ferrite::storage::hlog", or
// "opentelemetry" for the export pipeline). A Filter maps targets to levels with directives like
// "info,ferrite::storage=trace" (the RUST_LOG / FERRITE_LOG syntax); the most specific directive
// whose target is the call site's target or a "::"-separated prefix of it wins.
//
// Cost: a disabled record costs one relaxed atomic load and a compare (the most verbose level any
// directive enables), then one per-site cached check; the macros do not evaluate their arguments
// when disabled. An enabled record is formatted on the caller's thread, pushed into a bounded
// lock-free queue and written by one writer thread, so callers never wait for I/O. When the queue
// is full the record is dropped and counted; the writer reports "dropped N log records" at most
// once a second.
//
// Sinks receive records on the writer thread, in submission order per producer. The primary sink
// (stdout, stderr or a file, text or JSON) is set by Configure(); the telemetry layer adds an OTLP
// sink with AddSink(). Records carry the calling thread's current trace context
// (ScopedTraceContext), which the telemetry layer sets while a sampled span is active.
//
// Thread safety: everything here may be called from any thread. RequestReopen() is also
// async-signal-safe (the app calls it from its SIGHUP handler).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <variant>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace ferrite::log {

enum class Level : uint8_t { kOff = 0, kError = 1, kWarn = 2, kInfo = 3, kDebug = 4, kTrace = 5 };

// "ERROR", "WARN", "INFO", "DEBUG", "TRACE" ("OFF" for kOff).
std::string_view LevelName(Level level) noexcept;
// Lowercase config spelling: "error" ... "trace", "off".
std::string_view LevelConfigName(Level level) noexcept;
// Case-insensitive: off, error, warn (or warning), info, debug, trace.
std::optional<Level> ParseLevel(std::string_view text) noexcept;

enum class Format : uint8_t { kText, kJson };

// W3C trace context of the active span. All-zero trace_id means "none".
struct TraceContext {
  uint8_t trace_id[16] = {};
  uint8_t span_id[8] = {};
  uint8_t flags = 0;
  bool valid() const noexcept;
};

// The calling thread's current trace context (invalid when no sampled span is active).
const TraceContext& CurrentTraceContext() noexcept;
// Replaces the calling thread's trace context (a default TraceContext clears it). For code that
// cannot nest scopes, e.g. a command resumed after a pending disk read; prefer the guard below.
void SetCurrentTraceContext(const TraceContext& ctx) noexcept;

// Installs `ctx` as the calling thread's trace context for its lifetime, restoring the previous
// one afterwards. Nest freely; destroy in reverse order on the same thread.
class ScopedTraceContext {
 public:
  explicit ScopedTraceContext(const TraceContext& ctx) noexcept;
  ~ScopedTraceContext();
  ScopedTraceContext(const ScopedTraceContext&) = delete;
  ScopedTraceContext& operator=(const ScopedTraceContext&) = delete;

 private:
  TraceContext saved_;
};

// A structured field as a call site passes it: views, valid during the call.
struct FieldRef {
  using Value = std::variant<int64_t, uint64_t, double, bool, std::string_view>;
  template <typename T>
  FieldRef(std::string_view k, const T& v) : key(k), value(Convert(v)) {}  // NOLINT
  std::string_view key;
  Value value;

 private:
  template <typename T>
  static Value Convert(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      return v;
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      return int64_t(v);
    } else if constexpr (std::is_integral_v<T>) {
      return uint64_t(v);
    } else if constexpr (std::is_floating_point_v<T>) {
      return double(v);
    } else {
      return std::string_view(v);
    }
  }
};

// A field as a record owns it.
struct Field {
  std::string key;
  std::variant<int64_t, uint64_t, double, bool, std::string> value;
};

struct Record {
  Level level = Level::kInfo;
  int64_t timestamp_us = 0;  // Unix time, microseconds
  std::string target;
  std::string message;
  std::vector<Field> fields;
  TraceContext trace;
};

// "2026-11-25T13:36:51.123Z": RFC 3339, UTC, milliseconds.
std::string FormatTimestamp(int64_t unix_us);
// One JSON object, no newline: {"timestamp":..,"level":..,"target":..,"message":..,
// ["trace_id":..,"span_id":..,]"fields":{..}}. Bytes that are not valid UTF-8 appear as \xNN text.
std::string FormatJson(const Record& record);
// "2026-11-25T13:36:51.123Z  INFO ferrite::server: message k=v trace_id=.. span_id=..".
std::string FormatText(const Record& record);

// Receives records on the logger's writer thread.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void Write(const Record& record) = 0;
  // Called after each batch and by Logger::Flush(): push buffered output to its destination.
  virtual void Flush() {}
  // Called after RequestReopen(): reopen files (logrotate moved them away).
  virtual void Reopen() {}
};

// Writes formatted lines to stdout, stderr or a file (appending; reopened by Reopen()).
class StreamSink final : public Sink {
 public:
  // `output` is "stdout", "stderr" or a file path. Fails if the file cannot be opened.
  static Result<std::unique_ptr<StreamSink>> Open(Format format, std::string output);
  ~StreamSink() override;
  void Write(const Record& record) override;
  void Flush() override;
  void Reopen() override;

 private:
  StreamSink(Format format, std::string output, std::FILE* file);
  Format format_;
  std::string output_;
  std::FILE* file_;
  bool owned_;
};

// Target -> level rules parsed from "info,ferrite=debug,ferrite::storage=trace".
class Filter {
 public:
  explicit Filter(Level default_level = Level::kInfo) : default_(default_level) {}
  // Entries are comma-separated: a bare level sets the default, "target=level" a rule. Spaces
  // around entries are ignored; an unknown level or empty target is an error naming the entry.
  static Result<Filter> Parse(std::string_view directives, Level default_level);

  Level LevelFor(std::string_view target) const noexcept;
  // The most verbose level any rule enables: records above it are rejected without a lookup.
  Level MaxLevel() const noexcept;
  Level default_level() const noexcept { return default_; }
  std::string ToString() const;

 private:
  Level default_;
  std::vector<std::pair<std::string, Level>> rules_;  // longest target first
};

namespace internal {
extern std::atomic<uint8_t> g_max_level;           // Filter::MaxLevel() of the global logger
extern std::atomic<uint32_t> g_filter_generation;  // bumped by each SetFilter()
}  // namespace internal

// Per-call-site cache of the target's level, revalidated when the filter changes.
class CallSite {
 public:
  explicit constexpr CallSite(const char* target) noexcept : target_(target) {}
  const char* target() const noexcept { return target_; }
  bool Enabled(Level level) noexcept {
    uint32_t cached = cache_.load(std::memory_order_relaxed);
    if ((cached >> 8) != internal::g_filter_generation.load(std::memory_order_relaxed)) {
      cached = Refresh();
    }
    return uint8_t(level) <= (cached & 0xff);
  }

 private:
  uint32_t Refresh() noexcept;
  const char* target_;
  std::atomic<uint32_t> cache_{0};  // generation << 8 | level
};

// The cheap global pre-check the macros inline.
inline bool MaybeEnabled(Level level) noexcept {
  return uint8_t(level) <= internal::g_max_level.load(std::memory_order_relaxed);
}

// The asynchronous pipeline: a bounded queue drained by one writer thread into the sinks.
// The process-wide instance is Global(); tests may create their own.
class Logger {
 public:
  explicit Logger(size_t queue_capacity = 8192);
  ~Logger();  // Stop()
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  void SetFilter(Filter filter);
  Filter filter() const;
  bool Enabled(Level level, std::string_view target) const;

  // Replaces the primary sink (the one Configure() sets); AddSink() adds more (OTLP).
  void SetPrimarySink(std::shared_ptr<Sink> sink);
  void AddSink(std::shared_ptr<Sink> sink);
  void RemoveSink(const Sink* sink);

  // Queues the record; never blocks. Drops (and counts) it when the queue is full. After Stop(),
  // writes synchronously instead.
  void Submit(std::unique_ptr<Record> record) noexcept;
  // Blocks until every record submitted before the call is written and the sinks are flushed.
  void Flush();
  // Async-signal-safe: asks the writer to reopen the sinks' files.
  void RequestReopen() noexcept;
  // Flushes, then stops the writer thread. Idempotent.
  void Stop();

  uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  size_t queue_capacity() const noexcept { return mask_ + 1; }

 private:
  struct Slot;
  bool TryPush(Record* record) noexcept;
  Record* TryPop() noexcept;
  bool QueueEmpty() const noexcept;
  void WriterLoop();
  void WriteToSinks(const Record& record);
  void FlushSinks();
  void ReportDrops(bool force);
  void HandleReopen();

  std::unique_ptr<Slot[]> slots_;
  size_t mask_;
  alignas(64) std::atomic<size_t> enqueue_pos_{0};
  alignas(64) std::atomic<size_t> dequeue_pos_{0};
  alignas(64) std::atomic<uint64_t> dropped_{0};
  uint64_t reported_dropped_ = 0;  // writer thread only
  int64_t last_drop_report_us_ = 0;
  std::atomic<bool> idle_{false};
  std::atomic<bool> reopen_requested_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> stopped_{false};

  std::mutex wake_mutex_;
  std::condition_variable wake_cv_;
  std::mutex sinks_mutex_;  // guards sinks and serialises writes to them
  std::shared_ptr<Sink> primary_;
  std::vector<std::shared_ptr<Sink>> extra_sinks_;
  mutable std::mutex filter_mutex_;
  Filter filter_;
  bool is_global_ = false;
  std::thread writer_;

  friend Logger& Global();
};

// The process-wide logger. Until Configure() it writes text at info level to stderr. It is
// flushed at exit(); call Shutdown() before returning from main to also stop its thread.
Logger& Global();

struct Options {
  Level level = Level::kInfo;
  // Filter directives (FERRITE_LOG / RUST_LOG); when non-empty they refine `level`, which stays
  // the default for targets no directive names.
  std::string directives;
  Format format = Format::kText;
  std::string output = "stderr";  // "stdout", "stderr" or a path
};

// Applies options to Global(): opens the output and installs the filter. On error nothing changes.
Status Configure(const Options& options);

// Flushes and stops Global(); later records are written synchronously.
void Shutdown();

namespace internal {

// Minimal "{}" formatting (GCC 12 has no <format>). "{{" and "}}" are literal braces.
void AppendArg(std::string* out, std::string_view v);
void AppendArg(std::string* out, const char* v);
void AppendArg(std::string* out, const std::string& v);
void AppendArg(std::string* out, bool v);
void AppendArg(std::string* out, char v);
void AppendArg(std::string* out, int64_t v);
void AppendArg(std::string* out, uint64_t v);
void AppendArg(std::string* out, double v);
void AppendArg(std::string* out, const Status& v);
template <typename T>
requires std::is_integral_v<T> &&
    (!std::is_same_v<T, bool>)&&(!std::is_same_v<T, char>)void AppendArg(std::string* out, T v) {
  if constexpr (std::is_signed_v<T>) {
    AppendArg(out, int64_t(v));
  } else {
    AppendArg(out, uint64_t(v));
  }
}
inline void AppendArg(std::string* out, float v) { AppendArg(out, double(v)); }

// Appends fmt up to the next "{}" placeholder; returns the rest after it (empty if none).
std::string_view AppendUntilPlaceholder(std::string* out, std::string_view fmt);

template <typename... Args>
std::string FormatMessage(std::string_view fmt, const Args&... args) {
  std::string out;
  out.reserve(fmt.size() + 16 * sizeof...(Args));
  ((fmt = AppendUntilPlaceholder(&out, fmt), AppendArg(&out, args)), ...);
  AppendUntilPlaceholder(&out, fmt);
  return out;
}

void Emit(const CallSite& site, Level level, std::string message,
          std::initializer_list<FieldRef> fields = {});

}  // namespace internal

// Formats `fmt` with `args` ("{}" placeholders) into a record for the global logger. Call through
// the macros so disabled records cost nothing.
template <typename... Args>
void Log(const CallSite& site, Level level, std::string_view fmt, const Args&... args) {
  internal::Emit(site, level, internal::FormatMessage(fmt, args...));
}

}  // namespace ferrite::log

#define FERRITE_LOG(level, target, ...)                                            \
  do {                                                                             \
    static ::ferrite::log::CallSite ferrite_log_site_(target);                     \
    if (::ferrite::log::MaybeEnabled(level) && ferrite_log_site_.Enabled(level)) { \
      ::ferrite::log::Log(ferrite_log_site_, level, __VA_ARGS__);                  \
    }                                                                              \
  } while (0)

// Structured record: a fixed message and fields {"name", value}, ...
#define FERRITE_LOG_FIELDS(level, target, message, ...)                              \
  do {                                                                               \
    static ::ferrite::log::CallSite ferrite_log_site_(target);                       \
    if (::ferrite::log::MaybeEnabled(level) && ferrite_log_site_.Enabled(level)) {   \
      ::ferrite::log::internal::Emit(ferrite_log_site_, level, std::string(message), \
                                     {__VA_ARGS__});                                 \
    }                                                                                \
  } while (0)

#define FERRITE_ERROR(target, ...) FERRITE_LOG(::ferrite::log::Level::kError, target, __VA_ARGS__)
#define FERRITE_WARN(target, ...) FERRITE_LOG(::ferrite::log::Level::kWarn, target, __VA_ARGS__)
#define FERRITE_INFO(target, ...) FERRITE_LOG(::ferrite::log::Level::kInfo, target, __VA_ARGS__)
#define FERRITE_DEBUG(target, ...) FERRITE_LOG(::ferrite::log::Level::kDebug, target, __VA_ARGS__)
#define FERRITE_TRACE(target, ...) FERRITE_LOG(::ferrite::log::Level::kTrace, target, __VA_ARGS__)
