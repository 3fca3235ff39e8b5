#include "server/slowlog.h"

#include <algorithm>

#include "base/string_util.h"
#include "server/client_session.h"
#include "server/registry/command_metadata.h"
#include "server/registry/command_registry.h"

namespace ferrite::server {
namespace {

constexpr std::string_view kRedacted = "(redacted)";
// Keys longer than this are cut in log records (the full key is in the slowlog entry).
constexpr size_t kMaxLoggedKeyBytes = 128;

// Which arguments Redis 7.0 replaces by "(redacted)" in the slowlog (and MONITOR).
std::vector<bool> RedactedArgs(std::span<const std::string_view> argv, std::string_view name) {
  std::vector<bool> redact(argv.size(), false);
  if (name == "auth") {
    for (size_t i = 1; i < argv.size(); ++i) redact[i] = true;
  } else if (name == "hello") {
    for (size_t i = 2; i < argv.size(); ++i) {
      if (EqualsIgnoreCase(argv[i], "auth") && i + 2 < argv.size()) {
        redact[i + 1] = redact[i + 2] = true;
        i += 2;
      }
    }
  } else if (name == "migrate") {
    for (size_t i = 6; i < argv.size(); ++i) {
      if (EqualsIgnoreCase(argv[i], "auth") && i + 1 < argv.size()) {
        redact[i + 1] = true;
        break;
      }
      if (EqualsIgnoreCase(argv[i], "auth2") && i + 2 < argv.size()) {
        redact[i + 1] = redact[i + 2] = true;
        break;
      }
    }
  } else if (name == "config|set") {
    for (size_t i = 2; i + 1 < argv.size(); i += 2) {
      std::string p = AsciiLower(argv[i]);
      if (p == "requirepass" || p == "masterauth" || p == "masteruser") redact[i + 1] = true;
    }
  }
  return redact;
}

struct GroupTarget {
  std::string_view group;
  log::CallSite* site;
};

// One call site per target, so per-target filters ("ferrite::commands::strings=debug") apply
// and each caches its level.
log::CallSite g_site_strings("ferrite::commands::strings");
log::CallSite g_site_keys("ferrite::commands::keys");
log::CallSite g_site_server("ferrite::commands::server");
log::CallSite g_site_connection("ferrite::commands::connection");
log::CallSite g_site_transactions("ferrite::commands::transactions");
log::CallSite g_site_hashes("ferrite::commands::hashes");
log::CallSite g_site_lists("ferrite::commands::lists");
log::CallSite g_site_sets("ferrite::commands::sets");
log::CallSite g_site_sorted_sets("ferrite::commands::sorted_sets");
log::CallSite g_site_bitmaps("ferrite::commands::bitmaps");
log::CallSite g_site_hyperloglog("ferrite::commands::hyperloglog");
log::CallSite g_site_geo("ferrite::commands::geo");
log::CallSite g_site_streams("ferrite::commands::streams");
log::CallSite g_site_pubsub("ferrite::commands::pubsub");
log::CallSite g_site_scripting("ferrite::commands::scripting");
log::CallSite g_site_cluster("ferrite::commands::cluster");
log::CallSite g_site_other("ferrite::commands");

const GroupTarget kGroupTargets[] = {
    {"string", &g_site_strings},
    {"generic", &g_site_keys},
    {"server", &g_site_server},
    {"connection", &g_site_connection},
    {"transactions", &g_site_transactions},
    {"hash", &g_site_hashes},
    {"list", &g_site_lists},
    {"set", &g_site_sets},
    {"sorted-set", &g_site_sorted_sets},
    {"bitmap", &g_site_bitmaps},
    {"hyperloglog", &g_site_hyperloglog},
    {"geo", &g_site_geo},
    {"stream", &g_site_streams},
    {"pubsub", &g_site_pubsub},
    {"scripting", &g_site_scripting},
    {"cluster", &g_site_cluster},
};

log::CallSite& SiteFor(const CommandSpec& spec) {
  if (spec.metadata != nullptr) {
    std::string_view group = spec.metadata->docs.group;
    for (const GroupTarget& g : kGroupTargets) {
      if (g.group == group) return *g.site;
    }
  }
  return g_site_other;
}

}  // namespace

std::vector<std::string> Slowlog::EntryArgv(std::span<const std::string_view> argv,
                                            std::string_view command_name) {
  const size_t argc = argv.size();
  const size_t shown = std::min(argc, kMaxArgc);
  std::vector<bool> redact = RedactedArgs(argv, command_name);
  std::vector<std::string> out;
  out.reserve(shown);
  for (size_t j = 0; j < shown; ++j) {
    if (shown != argc && j == shown - 1) {
      out.push_back("... (" + std::to_string(argc - shown + 1) + " more arguments)");
    } else if (redact[j]) {
      out.emplace_back(kRedacted);
    } else if (argv[j].size() > kMaxArgBytes) {
      std::string s(argv[j].substr(0, kMaxArgBytes));
      s += "... (" + std::to_string(argv[j].size() - kMaxArgBytes) + " more bytes)";
      out.push_back(std::move(s));
    } else {
      out.emplace_back(argv[j]);
    }
  }
  return out;
}

void Slowlog::Add(std::span<const std::string_view> argv, std::string_view command_name,
                  int64_t duration_us, int64_t unix_seconds, std::string_view client_addr,
                  std::string_view client_name, size_t max_len) {
  SlowlogEntry e;
  e.argv = EntryArgv(argv, command_name);
  e.unix_seconds = unix_seconds;
  e.duration_us = duration_us;
  e.client_addr.assign(client_addr);
  e.client_name.assign(client_name);
  std::lock_guard<std::mutex> lock(mu_);
  e.id = next_id_++;
  entries_.push_front(std::move(e));
  while (entries_.size() > max_len) entries_.pop_back();
}

std::vector<SlowlogEntry> Slowlog::Get(size_t count) const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = std::min(count, entries_.size());
  return std::vector<SlowlogEntry>(entries_.begin(), entries_.begin() + n);
}

size_t Slowlog::Len() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

void Slowlog::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
}

Slowlog& GlobalSlowlog() {
  static Slowlog* slowlog = new Slowlog;  // never destroyed: event loops may outlive statics
  return *slowlog;
}

std::string_view CommandResult(std::string_view reply, bool failed) {
  std::string_view first_line = reply.substr(0, reply.find('\r'));
  if (failed && !first_line.empty() && first_line[0] == '-') {
    std::string_view message = first_line.substr(1);
    return message.substr(0, message.find(' '));
  }
  if (failed) return "ERR";
  if (first_line.empty()) return "NONE";
  switch (first_line[0]) {
    case '+':
      return first_line.substr(1, 15);
    case '_':
      return "NIL";
    case '$':
      return first_line == "$-1" ? "NIL" : "BULK";
    case '*':
      return first_line == "*-1" ? "NIL" : "ARRAY";
    case ':':
      return "INTEGER";
    case '%':
      return "MAP";
    case '~':
      return "SET";
    case ',':
      return "DOUBLE";
    case '#':
      return "BOOLEAN";
    case '=':
      return "VERBATIM";
    default:
      return "OK";
  }
}

std::string_view CommandLogTarget(const CommandSpec& spec) { return SiteFor(spec).target(); }

log::TraceContext ToLogTraceContext(const telemetry::SpanContext& span) noexcept {
  log::TraceContext ctx;
  if (!span.IsValid()) return ctx;
  std::copy(span.trace_id.bytes.begin(), span.trace_id.bytes.end(), ctx.trace_id);
  std::copy(span.span_id.bytes.begin(), span.span_id.bytes.end(), ctx.span_id);
  ctx.flags = span.trace_flags;
  return ctx;
}

CommandLogScope::CommandLogScope(const telemetry::SpanContext& span) noexcept {
  if (!span.IsValid()) return;
  saved_ = log::CurrentTraceContext();
  log::SetCurrentTraceContext(ToLogTraceContext(span));
  installed_ = true;
}

CommandLogScope::~CommandLogScope() {
  if (installed_) log::SetCurrentTraceContext(saved_);
}

namespace internal {

void LogCommandSlow(ServerContext& server, const CommandLogArgs& args, bool slow) {
  if (slow) {
    GlobalSlowlog().Add(
        args.argv, args.spec.name, args.duration_us, server.NowMs() / 1000, args.client.addr,
        args.client.name,
        static_cast<size_t>(std::max<int64_t>(server.runtime_config().slowlog_max_len(), 0)));
  }
  const log::Level level = slow ? log::Level::kInfo : log::Level::kDebug;
  log::CallSite& site = SiteFor(args.spec);
  if (!log::MaybeEnabled(level) || !site.Enabled(level)) return;
  CommandLogScope scope(args.span);
  log::internal::Emit(site, level, "Command executed",
                      {{"command", CanonicalName(args.spec)},
                       {"key", args.key.substr(0, kMaxLoggedKeyBytes)},
                       {"duration_us", args.duration_us},
                       {"result", CommandResult(args.reply, args.failed)},
                       {"client_addr", std::string_view(args.client.addr)}});
}

}  // namespace internal

}  // namespace ferrite::server
