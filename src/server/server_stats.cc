#include "server/server_stats.h"

#include <algorithm>
#include <cstring>

namespace ferrite::server {

namespace {
thread_local size_t tls_slot = 0;
}  // namespace

ServerStats::ServerStats() : slots_(kMaxStatThreads) {}

void ServerStats::BindThread(size_t slot) { tls_slot = std::min(slot, kMaxStatThreads - 1); }

ThreadStats& ServerStats::Local() { return slots_[tls_slot]; }

uint64_t ServerStats::Sum(OwnedCounter ThreadStats::*field) const {
  uint64_t total = 0;
  for (const ThreadStats& s : slots_) total += (s.*field).Get();
  return total;
}

CommandTotals ServerStats::SumCommand(size_t id) const {
  CommandTotals out;
  if (id >= kMaxCommandIds) return out;
  for (const ThreadStats& s : slots_) {
    const CommandCounters& c = s.commands[id];
    out.calls += c.calls.Get();
    out.usec += c.usec.Get();
    out.rejected_calls += c.rejected_calls.Get();
    out.failed_calls += c.failed_calls.Get();
  }
  return out;
}

size_t ServerStats::InternErrorCode(std::string_view code) {
  code = code.substr(0, 23);
  size_t n = error_code_count_.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; ++i) {
    if (std::string_view(error_codes_[i].data()) == code) return i;
  }
  // Interning is rare (a new error code); a CAS claims the next slot. The last slot collects
  // every code beyond the table so the counts stay bounded.
  while (n < kMaxErrorCodes - 1) {
    if (error_code_count_.compare_exchange_weak(n, n + 1, std::memory_order_acq_rel)) {
      std::memcpy(error_codes_[n].data(), code.data(), code.size());
      error_codes_[n][code.size()] = '\0';
      return n;
    }
    for (size_t i = 0; i < n; ++i) {
      if (std::string_view(error_codes_[i].data()) == code) return i;
    }
  }
  return kMaxErrorCodes - 1;
}

void ServerStats::CountError(std::string_view code) {
  ThreadStats& local = Local();
  local.error_replies.Add();
  local.errors_by_code[InternErrorCode(code)].Add();
}

std::vector<std::pair<std::string, uint64_t>> ServerStats::ErrorCounts() const {
  std::vector<std::pair<std::string, uint64_t>> out;
  size_t n = error_code_count_.load(std::memory_order_acquire);
  for (size_t i = 0; i < kMaxErrorCodes; ++i) {
    uint64_t total = 0;
    for (const ThreadStats& s : slots_) total += s.errors_by_code[i].Get();
    if (total == 0) continue;
    out.emplace_back(i < n ? std::string(error_codes_[i].data()) : "OTHER", total);
  }
  return out;
}

void ServerStats::Reset() {
  for (ThreadStats& s : slots_) {
    s.commands_processed.Reset();
    s.net_input_bytes.Reset();
    s.net_output_bytes.Reset();
    s.connections_received.Reset();
    s.rejected_connections.Reset();
    s.keyspace_hits.Reset();
    s.keyspace_misses.Reset();
    s.error_replies.Reset();
    s.client_query_buffer_limit_disconnections.Reset();
    s.client_output_buffer_limit_disconnections.Reset();
    for (CommandCounters& c : s.commands) {
      c.calls.Reset();
      c.usec.Reset();
      c.rejected_calls.Reset();
      c.failed_calls.Reset();
    }
    for (OwnedCounter& c : s.errors_by_code) c.Reset();
  }
}

}  // namespace ferrite::server
