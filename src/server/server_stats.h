#pragma once
// ServerStats: the counters behind INFO stats / commandstats / errorstats and the metrics
// registry.
//
// Each event-loop thread writes only its own cache-line-aligned ThreadStats slot (no locks, no
// atomic read-modify-write: a relaxed load and store), and readers sum the slots. Threads that
// are not event loops (the cron, background jobs) use the shared slot 0 through atomic adds.
//
// Thread safety: Local() is safe from any thread; Sum*() may run concurrently with writers and
// sees each counter at some recent value.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferrite::server {

// A counter written by a single thread and read by many.
class OwnedCounter {
 public:
  void Add(uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  // For counters shared between writer threads.
  void AtomicAdd(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Get() const { return value_.load(std::memory_order_relaxed); }
  void Reset() { value_.store(0, std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

inline constexpr size_t kMaxCommandIds = 512;
inline constexpr size_t kMaxErrorCodes = 32;
inline constexpr size_t kMaxStatThreads = 129;  // slot 0 shared + up to 128 event loops

struct CommandCounters {
  OwnedCounter calls;
  OwnedCounter usec;
  OwnedCounter rejected_calls;  // refused before running (arity, OOM, ...)
  OwnedCounter failed_calls;    // ran and replied with an error
};

struct CommandTotals {
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t rejected_calls = 0;
  uint64_t failed_calls = 0;
};

struct alignas(64) ThreadStats {
  OwnedCounter commands_processed;
  OwnedCounter net_input_bytes;
  OwnedCounter net_output_bytes;
  OwnedCounter connections_received;
  OwnedCounter rejected_connections;
  OwnedCounter keyspace_hits;
  OwnedCounter keyspace_misses;
  OwnedCounter error_replies;
  OwnedCounter client_query_buffer_limit_disconnections;
  OwnedCounter client_output_buffer_limit_disconnections;
  std::array<CommandCounters, kMaxCommandIds> commands;
  // Error replies by code ("ERR", "WRONGTYPE"): codes are interned in ServerStats::error_codes_.
  std::array<OwnedCounter, kMaxErrorCodes> errors_by_code;
};

class ServerStats {
 public:
  ServerStats();
  // The calling thread's slot. Event loops call BindThread(i) once at start (i >= 1).
  ThreadStats& Local();
  static void BindThread(size_t slot);

  // Sums of one field over all slots.
  uint64_t Sum(OwnedCounter ThreadStats::*field) const;
  CommandTotals SumCommand(size_t id) const;
  // Records one error reply whose code is `code` (interned, bounded; overflow goes to "other").
  void CountError(std::string_view code);
  std::vector<std::pair<std::string, uint64_t>> ErrorCounts() const;
  void Reset();  // CONFIG RESETSTAT

 private:
  size_t InternErrorCode(std::string_view code);

  std::vector<ThreadStats> slots_;
  std::atomic<size_t> error_code_count_{0};
  std::array<std::array<char, 24>, kMaxErrorCodes> error_codes_{};
};

}  // namespace ferrite::server
