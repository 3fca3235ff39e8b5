#include "base/log.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <future>

#include "base/clock.h"
#include "base/string_util.h"

namespace ferrite::log {

namespace internal {
constinit std::atomic<uint8_t> g_max_level{uint8_t(Level::kInfo)};
constinit std::atomic<uint32_t> g_filter_generation{1};
}  // namespace internal

namespace {

thread_local TraceContext t_trace_context;

constexpr std::string_view kLevelNames[] = {"OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"};
constexpr std::string_view kLevelConfigNames[] = {"off", "error", "warn", "info", "debug", "trace"};

void AppendHex(std::string* out, const uint8_t* bytes, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) {
    out->push_back(kHex[bytes[i] >> 4]);
    out->push_back(kHex[bytes[i] & 0xf]);
  }
}

// Length of the valid UTF-8 sequence at s[i], or 0 if the byte there starts none.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t len;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xe0) == 0xc0) {
    len = 2;
    cp = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    len = 3;
    cp = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  // Reject overlong forms, surrogates and values past U+10FFFF.
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return len;
}

void AppendJsonString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out->append("\\\"");
        ++i;
        continue;
      case '\\':
        out->append("\\\\");
        ++i;
        continue;
      case '\n':
        out->append("\\n");
        ++i;
        continue;
      case '\r':
        out->append("\\r");
        ++i;
        continue;
      case '\t':
        out->append("\\t");
        ++i;
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7f) {
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xf]);
      ++i;
      continue;
    }
    size_t len = Utf8SequenceLength(s, i);
    if (len == 0) {
      // Binary keys are common in Redis; show the byte as text rather than emit invalid JSON.
      out->append("\\\\x");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xf]);
      ++i;
      continue;
    }
    out->append(s.substr(i, len));
    i += len;
  }
  out->push_back('"');
}

void AppendDouble(std::string* out, double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, ec == std::errc() ? end : buf);
}

void AppendJsonValue(std::string* out, const Field& field) {
  std::visit(
      [out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          out->append(v ? "true" : "false");
        } else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t>) {
          out->append(std::to_string(v));
        } else if constexpr (std::is_same_v<T, double>) {
          // JSON has no NaN or infinities: quote those.
          if (std::isfinite(v)) {
            AppendDouble(out, v);
          } else {
            std::string text;
            AppendDouble(&text, v);
            AppendJsonString(out, text);
          }
        } else {
          AppendJsonString(out, v);
        }
      },
      field.value);
}

void AppendTextValue(std::string* out, const Field& field) {
  std::visit(
      [out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          out->append(v ? "true" : "false");
        } else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t>) {
          out->append(std::to_string(v));
        } else if constexpr (std::is_same_v<T, double>) {
          AppendDouble(out, v);
        } else {
          // Quote strings that would be ambiguous in key=value text.
          bool plain = !v.empty() && v.find_first_of(" \"=\t\n\\") == std::string::npos;
          if (plain) {
            out->append(v);
          } else {
            AppendJsonString(out, v);
          }
        }
      },
      field.value);
}

// True if `prefix` names `target` or one of its enclosing modules.
bool TargetMatches(std::string_view prefix, std::string_view target) {
  if (target.size() < prefix.size() || target.compare(0, prefix.size(), prefix) != 0) return false;
  return target.size() == prefix.size() || target.substr(prefix.size()).starts_with("::");
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view LevelName(Level level) noexcept { return kLevelNames[size_t(level) % 6]; }
std::string_view LevelConfigName(Level level) noexcept {
  return kLevelConfigNames[size_t(level) % 6];
}

std::optional<Level> ParseLevel(std::string_view text) noexcept {
  for (size_t i = 0; i < 6; ++i) {
    if (EqualsIgnoreCase(text, kLevelConfigNames[i])) return Level(i);
  }
  if (EqualsIgnoreCase(text, "warning")) return Level::kWarn;
  return std::nullopt;
}

bool TraceContext::valid() const noexcept {
  for (uint8_t b : trace_id) {
    if (b != 0) return true;
  }
  return false;
}

const TraceContext& CurrentTraceContext() noexcept { return t_trace_context; }
void SetCurrentTraceContext(const TraceContext& ctx) noexcept { t_trace_context = ctx; }

ScopedTraceContext::ScopedTraceContext(const TraceContext& ctx) noexcept : saved_(t_trace_context) {
  t_trace_context = ctx;
}
ScopedTraceContext::~ScopedTraceContext() { t_trace_context = saved_; }

std::string FormatTimestamp(int64_t unix_us) {
  time_t seconds = time_t(unix_us / 1'000'000);
  int millis = int((unix_us / 1000) % 1000);
  if (unix_us < 0 && unix_us % 1'000'000 != 0) {
    seconds -= 1;
    millis = int(((unix_us % 1'000'000) + 1'000'000) / 1000);
  }
  tm t;
  gmtime_r(&seconds, &t);
  char buf[96];  // sized for any int fields, so no truncation is possible
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, millis);
  return buf;
}

std::string FormatJson(const Record& r) {
  std::string out;
  out.reserve(128 + r.message.size() + r.fields.size() * 32);
  out.append("{\"timestamp\":\"");
  out.append(FormatTimestamp(r.timestamp_us));
  out.append("\",\"level\":\"");
  out.append(LevelName(r.level));
  out.append("\",\"target\":");
  AppendJsonString(&out, r.target);
  out.append(",\"message\":");
  AppendJsonString(&out, r.message);
  if (r.trace.valid()) {
    out.append(",\"trace_id\":\"");
    AppendHex(&out, r.trace.trace_id, sizeof(r.trace.trace_id));
    out.append("\",\"span_id\":\"");
    AppendHex(&out, r.trace.span_id, sizeof(r.trace.span_id));
    out.push_back('"');
  }
  out.append(",\"fields\":{");
  for (size_t i = 0; i < r.fields.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(&out, r.fields[i].key);
    out.push_back(':');
    AppendJsonValue(&out, r.fields[i]);
  }
  out.append("}}");
  return out;
}

std::string FormatText(const Record& r) {
  std::string out;
  out.reserve(64 + r.message.size() + r.fields.size() * 24);
  out.append(FormatTimestamp(r.timestamp_us));
  std::string_view level = LevelName(r.level);
  out.append(6 - level.size(), ' ');
  out.append(level);
  out.push_back(' ');
  out.append(r.target);
  out.append(": ");
  out.append(r.message);
  for (const Field& f : r.fields) {
    out.push_back(' ');
    out.append(f.key);
    out.push_back('=');
    AppendTextValue(&out, f);
  }
  if (r.trace.valid()) {
    out.append(" trace_id=");
    AppendHex(&out, r.trace.trace_id, sizeof(r.trace.trace_id));
    out.append(" span_id=");
    AppendHex(&out, r.trace.span_id, sizeof(r.trace.span_id));
  }
  return out;
}

// ---- StreamSink ----

Result<std::unique_ptr<StreamSink>> StreamSink::Open(Format format, std::string output) {
  std::FILE* file;
  if (output == "stdout") {
    file = stdout;
  } else if (output == "stderr") {
    file = stderr;
  } else {
    file = std::fopen(output.c_str(), "ae");
    if (file == nullptr) {
      return Status::IoError("cannot open log file '" + output + "': " + std::strerror(errno));
    }
  }
  return std::unique_ptr<StreamSink>(new StreamSink(format, std::move(output), file));
}

StreamSink::StreamSink(Format format, std::string output, std::FILE* file)
    : format_(format),
      output_(std::move(output)),
      file_(file),
      owned_(file != stdout && file != stderr) {}

StreamSink::~StreamSink() {
  if (file_ != nullptr) {
    std::fflush(file_);
    if (owned_) std::fclose(file_);
  }
}

void StreamSink::Write(const Record& record) {
  if (file_ == nullptr) return;
  std::string line = format_ == Format::kJson ? FormatJson(record) : FormatText(record);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), file_);
}

void StreamSink::Flush() {
  if (file_ != nullptr) std::fflush(file_);
}

void StreamSink::Reopen() {
  if (!owned_) return;
  std::FILE* fresh = std::fopen(output_.c_str(), "ae");
  // If the new file cannot be opened, keep writing to the old one rather than lose records.
  if (fresh == nullptr) return;
  std::fclose(file_);
  file_ = fresh;
}

// ---- Filter ----

Result<Filter> Filter::Parse(std::string_view directives, Level default_level) {
  Filter filter(default_level);
  while (!directives.empty()) {
    size_t comma = directives.find(',');
    std::string_view entry = Trim(directives.substr(0, comma));
    directives =
        comma == std::string_view::npos ? std::string_view() : directives.substr(comma + 1);
    if (entry.empty()) continue;
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) {
      auto level = ParseLevel(entry);
      if (!level) {
        return Status::InvalidArgument("invalid log directive '" + std::string(entry) +
                                       "': unknown level");
      }
      filter.default_ = *level;
      continue;
    }
    std::string_view target = Trim(entry.substr(0, eq));
    auto level = ParseLevel(Trim(entry.substr(eq + 1)));
    if (target.empty() || !level) {
      return Status::InvalidArgument("invalid log directive '" + std::string(entry) + "'");
    }
    bool replaced = false;
    for (auto& rule : filter.rules_) {
      if (rule.first == target) {
        rule.second = *level;
        replaced = true;
      }
    }
    if (!replaced) filter.rules_.emplace_back(std::string(target), *level);
  }
  std::stable_sort(filter.rules_.begin(), filter.rules_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  return filter;
}

Level Filter::LevelFor(std::string_view target) const noexcept {
  for (const auto& [prefix, level] : rules_) {
    if (TargetMatches(prefix, target)) return level;
  }
  return default_;
}

Level Filter::MaxLevel() const noexcept {
  Level max = default_;
  for (const auto& rule : rules_) max = std::max(max, rule.second);
  return max;
}

std::string Filter::ToString() const {
  std::string out(LevelConfigName(default_));
  // Print shortest targets first so the text reads general-to-specific.
  for (auto it = rules_.rbegin(); it != rules_.rend(); ++it) {
    out.append(",").append(it->first).append("=").append(LevelConfigName(it->second));
  }
  return out;
}

// ---- CallSite ----

uint32_t CallSite::Refresh() noexcept {
  uint32_t generation = internal::g_filter_generation.load(std::memory_order_acquire);
  Level level = Global().filter().LevelFor(target_);
  uint32_t cached = (generation << 8) | uint8_t(level);
  cache_.store(cached, std::memory_order_relaxed);
  return cached;
}

// ---- Logger ----

struct Logger::Slot {
  std::atomic<size_t> sequence;
  Record* record;
};

Logger::Logger(size_t queue_capacity) {
  size_t capacity = 2;
  while (capacity < queue_capacity) capacity <<= 1;
  slots_ = std::make_unique<Slot[]>(capacity);
  for (size_t i = 0; i < capacity; ++i) {
    slots_[i].sequence.store(i, std::memory_order_relaxed);
    slots_[i].record = nullptr;
  }
  mask_ = capacity - 1;
  writer_ = std::thread([this] { WriterLoop(); });
}

Logger::~Logger() {
  Stop();
  while (Record* r = TryPop()) delete r;
}

// Bounded MPMC ring (Vyukov): each slot's sequence says whose turn it is, so producers claim
// positions with one CAS and never wait for each other or for the writer.
bool Logger::TryPush(Record* record) noexcept {
  size_t pos = enqueue_pos_.load(std::memory_order_relaxed);
  for (;;) {
    Slot& slot = slots_[pos & mask_];
    size_t seq = slot.sequence.load(std::memory_order_acquire);
    auto diff = static_cast<intptr_t>(seq) - static_cast<intptr_t>(pos);
    if (diff == 0) {
      if (enqueue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_seq_cst)) {
        slot.record = record;
        slot.sequence.store(pos + 1, std::memory_order_release);
        return true;
      }
    } else if (diff < 0) {
      return false;  // full
    } else {
      pos = enqueue_pos_.load(std::memory_order_relaxed);
    }
  }
}

Record* Logger::TryPop() noexcept {
  size_t pos = dequeue_pos_.load(std::memory_order_relaxed);
  for (;;) {
    Slot& slot = slots_[pos & mask_];
    size_t seq = slot.sequence.load(std::memory_order_acquire);
    auto diff = static_cast<intptr_t>(seq) - static_cast<intptr_t>(pos + 1);
    if (diff == 0) {
      if (dequeue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
        Record* record = slot.record;
        slot.sequence.store(pos + mask_ + 1, std::memory_order_release);
        return record;
      }
    } else if (diff < 0) {
      return nullptr;  // empty (or the producer of this slot has not published yet)
    } else {
      pos = dequeue_pos_.load(std::memory_order_relaxed);
    }
  }
}

bool Logger::QueueEmpty() const noexcept {
  return enqueue_pos_.load(std::memory_order_seq_cst) ==
         dequeue_pos_.load(std::memory_order_seq_cst);
}

void Logger::Submit(std::unique_ptr<Record> record) noexcept {
  if (stopped_.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(sinks_mutex_);
    WriteToSinks(*record);
    FlushSinks();
    return;
  }
  Record* raw = record.release();
  if (!TryPush(raw)) {
    delete raw;
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // Only wake the writer when it sleeps: under load it is busy and producers take no lock.
  if (idle_.load(std::memory_order_seq_cst)) {
    std::lock_guard<std::mutex> lock(wake_mutex_);
    wake_cv_.notify_one();
  }
}

void Logger::WriteToSinks(const Record& record) {
  if (primary_) primary_->Write(record);
  for (const auto& sink : extra_sinks_) sink->Write(record);
}

void Logger::FlushSinks() {
  if (primary_) primary_->Flush();
  for (const auto& sink : extra_sinks_) sink->Flush();
}

void Logger::HandleReopen() {
  if (!reopen_requested_.exchange(false)) return;
  if (primary_) primary_->Reopen();
  for (const auto& sink : extra_sinks_) sink->Reopen();
}

void Logger::ReportDrops(bool force) {
  uint64_t dropped = dropped_.load(std::memory_order_relaxed);
  if (dropped == reported_dropped_) return;
  int64_t now = MonotonicUs();
  if (!force && now - last_drop_report_us_ < 1'000'000) return;
  Record r;
  r.level = Level::kWarn;
  r.timestamp_us = WallUs();
  r.target = "ferrite::log";
  r.message = "dropped " + std::to_string(dropped - reported_dropped_) + " log records";
  r.fields.push_back(Field{"dropped", dropped - reported_dropped_});
  r.fields.push_back(Field{"dropped_total", dropped});
  WriteToSinks(r);
  reported_dropped_ = dropped;
  last_drop_report_us_ = now;
}

// A flush request travels through the queue as a record whose `message` is empty and whose
// target points at this marker, so it is ordered after every earlier record.
namespace {
constexpr char kFlushMarker[] = "\x01flush";
struct FlushRecord : Record {
  std::promise<void> done;
};
}  // namespace

void Logger::WriterLoop() {
  for (;;) {
    bool wrote = false;
    {
      std::lock_guard<std::mutex> lock(sinks_mutex_);
      HandleReopen();
      int batch = 0;
      while (Record* r = TryPop()) {
        if (r->target == kFlushMarker) {
          // A reopen requested before Flush() must be done when Flush() returns.
          HandleReopen();
          ReportDrops(/*force=*/true);
          FlushSinks();
          static_cast<FlushRecord*>(r)->done.set_value();
          continue;  // owned by the waiting Flush() caller
        }
        WriteToSinks(*r);
        delete r;
        wrote = true;
        if (++batch == 512) break;  // let AddSink/Reopen in between long floods
      }
      ReportDrops(/*force=*/false);
      if (wrote) FlushSinks();
    }
    if (wrote) continue;
    std::unique_lock<std::mutex> lock(wake_mutex_);
    idle_.store(true, std::memory_order_seq_cst);
    if (QueueEmpty()) {
      if (stopping_.load(std::memory_order_acquire)) {
        idle_.store(false);
        break;
      }
      // The timeout bounds how late a SIGHUP reopen or a drop report can be.
      wake_cv_.wait_for(lock, std::chrono::milliseconds(100));
    } else {
      // A producer claimed a slot but has not published it yet: let it finish.
      lock.unlock();
      std::this_thread::yield();
      lock.lock();
    }
    idle_.store(false, std::memory_order_seq_cst);
  }
}

void Logger::Flush() {
  if (stopped_.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(sinks_mutex_);
    FlushSinks();
    return;
  }
  FlushRecord marker;
  marker.target = kFlushMarker;
  std::future<void> done = marker.done.get_future();
  while (!TryPush(&marker)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  {
    std::lock_guard<std::mutex> lock(wake_mutex_);
    wake_cv_.notify_one();
  }
  done.wait();
}

void Logger::RequestReopen() noexcept { reopen_requested_.store(true, std::memory_order_relaxed); }

void Logger::Stop() {
  if (stopped_.load(std::memory_order_acquire)) return;
  Flush();
  stopping_.store(true, std::memory_order_release);
  {
    std::lock_guard<std::mutex> lock(wake_mutex_);
    wake_cv_.notify_one();
  }
  if (writer_.joinable()) writer_.join();
  std::lock_guard<std::mutex> lock(sinks_mutex_);
  stopped_.store(true, std::memory_order_release);
  // Records that raced with Stop() are written synchronously rather than lost.
  while (Record* r = TryPop()) {
    if (r->target == kFlushMarker) {
      static_cast<FlushRecord*>(r)->done.set_value();
      continue;
    }
    WriteToSinks(*r);
    delete r;
  }
  HandleReopen();
  ReportDrops(/*force=*/true);
  FlushSinks();
}

void Logger::SetFilter(Filter filter) {
  std::lock_guard<std::mutex> lock(filter_mutex_);
  filter_ = std::move(filter);
  if (is_global_) {
    internal::g_max_level.store(uint8_t(filter_.MaxLevel()), std::memory_order_relaxed);
    internal::g_filter_generation.fetch_add(1, std::memory_order_acq_rel);
  }
}

Filter Logger::filter() const {
  std::lock_guard<std::mutex> lock(filter_mutex_);
  return filter_;
}

bool Logger::Enabled(Level level, std::string_view target) const {
  std::lock_guard<std::mutex> lock(filter_mutex_);
  return uint8_t(level) <= uint8_t(filter_.LevelFor(target));
}

void Logger::SetPrimarySink(std::shared_ptr<Sink> sink) {
  std::shared_ptr<Sink> old;
  {
    std::lock_guard<std::mutex> lock(sinks_mutex_);
    if (primary_) primary_->Flush();
    old = std::move(primary_);
    primary_ = std::move(sink);
  }
}

void Logger::AddSink(std::shared_ptr<Sink> sink) {
  std::lock_guard<std::mutex> lock(sinks_mutex_);
  extra_sinks_.push_back(std::move(sink));
}

void Logger::RemoveSink(const Sink* sink) {
  std::lock_guard<std::mutex> lock(sinks_mutex_);
  std::erase_if(extra_sinks_, [sink](const auto& s) { return s.get() == sink; });
}

Logger& Global() {
  // Leaked on purpose: records may be logged from static destructors and detached threads.
  static Logger* logger = [] {
    auto* l = new Logger();
    l->is_global_ = true;
    l->SetFilter(Filter(Level::kInfo));
    auto sink = StreamSink::Open(Format::kText, "stderr");
    l->SetPrimarySink(std::shared_ptr<Sink>(std::move(sink).value()));
    // exit() after a fatal startup error must not lose the record explaining it.
    std::atexit([] { Global().Flush(); });
    return l;
  }();
  return *logger;
}

Status Configure(const Options& options) {
  auto filter = Filter::Parse(options.directives, options.level);
  if (!filter) return filter.error();
  auto sink = StreamSink::Open(options.format, options.output);
  if (!sink) return sink.error();
  Logger& logger = Global();
  logger.SetPrimarySink(std::shared_ptr<Sink>(std::move(sink).value()));
  logger.SetFilter(std::move(filter).value());
  return Status::Ok();
}

void Shutdown() { Global().Stop(); }

namespace internal {

void AppendArg(std::string* out, std::string_view v) { out->append(v); }
void AppendArg(std::string* out, const char* v) { out->append(v != nullptr ? v : "(null)"); }
void AppendArg(std::string* out, const std::string& v) { out->append(v); }
void AppendArg(std::string* out, bool v) { out->append(v ? "true" : "false"); }
void AppendArg(std::string* out, char v) { out->push_back(v); }
void AppendArg(std::string* out, int64_t v) { out->append(std::to_string(v)); }
void AppendArg(std::string* out, uint64_t v) { out->append(std::to_string(v)); }
void AppendArg(std::string* out, double v) { AppendDouble(out, v); }
void AppendArg(std::string* out, const Status& v) { out->append(v.ToString()); }

std::string_view AppendUntilPlaceholder(std::string* out, std::string_view fmt) {
  size_t i = 0;
  while (i < fmt.size()) {
    char c = fmt[i];
    if (c == '{' && i + 1 < fmt.size() && fmt[i + 1] == '}') return fmt.substr(i + 2);
    if ((c == '{' || c == '}') && i + 1 < fmt.size() && fmt[i + 1] == c) {
      out->push_back(c);
      i += 2;
      continue;
    }
    out->push_back(c);
    ++i;
  }
  return {};
}

void Emit(const CallSite& site, Level level, std::string message,
          std::initializer_list<FieldRef> fields) {
  auto record = std::make_unique<Record>();
  record->level = level;
  record->timestamp_us = WallUs();
  record->target = site.target();
  record->message = std::move(message);
  record->trace = t_trace_context;
  record->fields.reserve(fields.size());
  for (const FieldRef& f : fields) {
    Field field;
    field.key = std::string(f.key);
    std::visit(
        [&field](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string_view>) {
            field.value = std::string(v);
          } else {
            field.value = v;
          }
        },
        f.value);
    record->fields.push_back(std::move(field));
  }
  Global().Submit(std::move(record));
}

}  // namespace internal

}  // namespace ferrite::log
