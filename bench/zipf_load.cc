// zipf_load: a GET load generator for any RESP server, with zipfian (YCSB) or uniform keys.
// redis-benchmark draws keys uniformly only; a larger-than-memory store lives on skew, so this
// tool measures what a cache-like workload sees (bench/larger_than_memory.sh uses it).
//
//   zipf_load [-h HOST] [-p PORT] [-c CONNECTIONS] [-P PIPELINE] [-k KEYS] [-d zipfian|uniform]
//             [--theta T] [-t SECONDS] [--warmup SECONDS] [--load] [-v VALUE_SIZE]
//             [--prefix key:] [--seed N] [--csv]
//
// --load first SETs prefix0 .. prefix(KEYS-1) to VALUE_SIZE-byte values, the keys split into one
// contiguous range per connection. Then every connection (one thread each, blocking socket)
// sends PIPELINE GETs at a time and reads their replies, for --warmup seconds unmeasured and
// then -t seconds measured. A request's latency runs from the write of its pipeline batch to the
// parse of its reply (redis-benchmark's definition). Throughput counts the requests of the
// batches sent in the measured window.
//
// Output: a summary, or with --csv one line: distribution,theta,keys,connections,pipeline,
// seconds,requests,rps,p50_ms,p99_ms,misses,wrong_size,errors.
//
// Every GET must find its key with a VALUE_SIZE-byte value: misses, other sizes and error
// replies are counted, printed, and make the exit status 1, so a benchmark of a store that
// loses keys cannot pass for a fast one.

#include <getopt.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "resp_connection.h"
#include "zipfian.h"

namespace ferrite::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "6379";
  int connections = 4;
  int pipeline = 16;
  uint64_t keys = 100'000;
  bool zipfian = true;
  double theta = 0.99;
  double seconds = 10;
  double warmup = 0;
  bool load = false;
  size_t value_size = 1024;
  std::string prefix = "key:";
  uint64_t seed = 1;
  bool csv = false;
};

// What one connection saw: latencies (ns) of the measured requests and the reply problems.
struct ConnectionResult {
  std::vector<uint64_t> latency_ns;
  uint64_t misses = 0;
  uint64_t wrong_size = 0;
  uint64_t errors = 0;
  std::string first_error;
  std::string failure;  // a broken connection or protocol error: the run is invalid
};

// SETs keys [first, last) in batches of `batch`; false (with *failure set) when a reply is not +OK.
bool LoadRange(Connection& conn, const Options& o, uint64_t first, uint64_t last, int batch,
               std::string* failure) {
  const std::string value(o.value_size, 'v');
  std::string out;
  for (uint64_t base = first; base < last; base += batch) {
    const uint64_t end = std::min<uint64_t>(last, base + batch);
    out.clear();
    for (uint64_t i = base; i < end; ++i)
      AppendCommand(&out, {"SET", o.prefix + std::to_string(i), value});
    if (!conn.WriteAll(out)) {
      *failure = "connection closed while loading";
      return false;
    }
    for (uint64_t i = base; i < end; ++i) {
      size_t size = 0;
      std::string text;
      if (conn.Read(&size, &text) != Connection::Reply::kStatus) {
        *failure = "SET " + o.prefix + std::to_string(i) + " failed: " + text;
        return false;
      }
    }
  }
  return true;
}

struct Clocks {
  Clock::time_point measure_from;
  Clock::time_point measure_until;
  std::atomic<bool> stop{false};
};

void RunGets(Connection& conn, const Options& o, int index, const ZipfianGenerator& zipf,
             const Clocks& clocks, ConnectionResult* result) {
  std::mt19937_64 rng(o.seed * 1'000'003 + static_cast<uint64_t>(index));
  const ScatterRank scatter(o.keys);
  std::uniform_int_distribution<uint64_t> uniform(0, o.keys - 1);
  std::string out;
  std::string key;
  while (!clocks.stop.load(std::memory_order_relaxed)) {
    out.clear();
    for (int i = 0; i < o.pipeline; ++i) {
      const uint64_t k = o.zipfian ? scatter(zipf.Next(rng)) : uniform(rng);
      key.assign(o.prefix);
      key += std::to_string(k);
      AppendCommand(&out, {"GET", key});
    }
    const Clock::time_point sent = Clock::now();
    if (!conn.WriteAll(out)) {
      result->failure = "connection closed";
      return;
    }
    const bool measured = sent >= clocks.measure_from && sent < clocks.measure_until;
    for (int i = 0; i < o.pipeline; ++i) {
      size_t size = 0;
      switch (conn.Read(&size, &result->first_error)) {
        case Connection::Reply::kValue:
          if (size != o.value_size) ++result->wrong_size;
          break;
        case Connection::Reply::kNil:
          ++result->misses;
          break;
        case Connection::Reply::kError:
          ++result->errors;
          break;
        case Connection::Reply::kStatus:
        case Connection::Reply::kBroken:
          result->failure = "unexpected reply or closed connection";
          return;
      }
      if (measured) {
        result->latency_ns.push_back(
            std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - sent).count());
      }
    }
  }
}

double Percentile(std::vector<uint64_t>& v, double p) {
  if (v.empty()) return 0;
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return static_cast<double>(v[i]) / 1e6;  // ms
}

void Usage() {
  std::fprintf(
      stderr,
      "usage: zipf_load [-h HOST] [-p PORT] [-c CONNECTIONS=4] [-P PIPELINE=16]\n"
      "                 [-k KEYS=100000] [-d zipfian|uniform] [--theta 0.99]\n"
      "                 [-t SECONDS=10] [--warmup SECONDS=0] [--load] [-v VALUE_SIZE=1024]\n"
      "                 [--prefix key:] [--seed 1] [--csv]\n");
}

bool ParseOptions(int argc, char** argv, Options* o) {
  enum { kTheta = 1000, kWarmup, kLoad, kPrefix, kSeed, kCsv, kHelp };
  static const option kLong[] = {{"host", required_argument, nullptr, 'h'},
                                 {"port", required_argument, nullptr, 'p'},
                                 {"connections", required_argument, nullptr, 'c'},
                                 {"pipeline", required_argument, nullptr, 'P'},
                                 {"keys", required_argument, nullptr, 'k'},
                                 {"dist", required_argument, nullptr, 'd'},
                                 {"theta", required_argument, nullptr, kTheta},
                                 {"time", required_argument, nullptr, 't'},
                                 {"warmup", required_argument, nullptr, kWarmup},
                                 {"load", no_argument, nullptr, kLoad},
                                 {"value-size", required_argument, nullptr, 'v'},
                                 {"prefix", required_argument, nullptr, kPrefix},
                                 {"seed", required_argument, nullptr, kSeed},
                                 {"csv", no_argument, nullptr, kCsv},
                                 {"help", no_argument, nullptr, kHelp},
                                 {nullptr, 0, nullptr, 0}};
  for (int c; (c = getopt_long(argc, argv, "h:p:c:P:k:d:t:v:", kLong, nullptr)) != -1;) {
    switch (c) {
      case 'h':
        o->host = optarg;
        break;
      case 'p':
        o->port = optarg;
        break;
      case 'c':
        o->connections = std::atoi(optarg);
        break;
      case 'P':
        o->pipeline = std::atoi(optarg);
        break;
      case 'k':
        o->keys = std::strtoull(optarg, nullptr, 10);
        break;
      case 'd':
        if (std::strcmp(optarg, "zipfian") != 0 && std::strcmp(optarg, "uniform") != 0)
          return false;
        o->zipfian = std::strcmp(optarg, "zipfian") == 0;
        break;
      case kTheta:
        o->theta = std::atof(optarg);
        break;
      case 't':
        o->seconds = std::atof(optarg);
        break;
      case kWarmup:
        o->warmup = std::atof(optarg);
        break;
      case kLoad:
        o->load = true;
        break;
      case 'v':
        o->value_size = std::strtoull(optarg, nullptr, 10);
        break;
      case kPrefix:
        o->prefix = optarg;
        break;
      case kSeed:
        o->seed = std::strtoull(optarg, nullptr, 10);
        break;
      case kCsv:
        o->csv = true;
        break;
      default:
        return false;
    }
  }
  return optind == argc && o->connections >= 1 && o->pipeline >= 1 && o->keys >= 1 &&
         o->theta > 0 && o->theta < 1 && o->seconds > 0 && o->warmup >= 0;
}

// Runs `body(connection, index, result)` on every connection, one thread each.
template <typename Body>
void OnEveryConnection(std::vector<Connection>& conns, std::vector<ConnectionResult>& results,
                       Body body) {
  std::vector<std::thread> threads;
  for (size_t i = 0; i < conns.size(); ++i) {
    threads.emplace_back([&, i] { body(conns[i], static_cast<int>(i), &results[i]); });
  }
  for (auto& t : threads) t.join();
}

int Main(int argc, char** argv) {
  Options o;
  if (!ParseOptions(argc, argv, &o)) {
    Usage();
    return 2;
  }
  std::vector<Connection> conns(o.connections);
  std::vector<ConnectionResult> results(o.connections);
  for (auto& conn : conns) {
    std::string error;
    if (!conn.Connect(o.host, o.port, &error)) {
      std::fprintf(stderr, "zipf_load: %s\n", error.c_str());
      return 1;
    }
  }
  if (o.load) {
    const Clock::time_point start = Clock::now();
    OnEveryConnection(conns, results, [&](Connection& conn, int i, ConnectionResult* r) {
      const uint64_t first = o.keys * i / o.connections, last = o.keys * (i + 1) / o.connections;
      LoadRange(conn, o, first, last, std::max(o.pipeline, 64), &r->failure);
    });
    const double took = std::chrono::duration<double>(Clock::now() - start).count();
    for (const auto& r : results) {
      if (!r.failure.empty()) {
        std::fprintf(stderr, "zipf_load: load: %s\n", r.failure.c_str());
        return 1;
      }
    }
    std::fprintf(stderr, "zipf_load: loaded %llu keys of %zu bytes in %.1f s (%.0f SET/s)\n",
                 static_cast<unsigned long long>(o.keys), o.value_size, took,
                 static_cast<double>(o.keys) / took);
  }

  const ZipfianGenerator zipf(o.zipfian ? o.keys : 1, o.theta);
  Clocks clocks;
  const auto start = Clock::now();
  clocks.measure_from =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup));
  clocks.measure_until = clocks.measure_from + std::chrono::duration_cast<Clock::duration>(
                                                   std::chrono::duration<double>(o.seconds));
  std::thread timer([&] {
    std::this_thread::sleep_until(clocks.measure_until);
    clocks.stop.store(true, std::memory_order_relaxed);
  });
  OnEveryConnection(conns, results, [&](Connection& conn, int i, ConnectionResult* r) {
    RunGets(conn, o, i, zipf, clocks, r);
  });
  timer.join();

  std::vector<uint64_t> all;
  uint64_t misses = 0, wrong_size = 0, errors = 0;
  std::string first_error;
  for (auto& r : results) {
    if (!r.failure.empty()) {
      std::fprintf(stderr, "zipf_load: %s\n", r.failure.c_str());
      return 1;
    }
    all.insert(all.end(), r.latency_ns.begin(), r.latency_ns.end());
    misses += r.misses;
    wrong_size += r.wrong_size;
    errors += r.errors;
    if (first_error.empty()) first_error = r.first_error;
  }
  const double rps = static_cast<double>(all.size()) / o.seconds;
  const double p50 = Percentile(all, 0.50), p99 = Percentile(all, 0.99);
  const char* dist = o.zipfian ? "zipfian" : "uniform";
  if (o.csv) {
    std::printf("%s,%.2f,%llu,%d,%d,%.1f,%zu,%.0f,%.3f,%.3f,%llu,%llu,%llu\n", dist, o.theta,
                static_cast<unsigned long long>(o.keys), o.connections, o.pipeline, o.seconds,
                all.size(), rps, p50, p99, static_cast<unsigned long long>(misses),
                static_cast<unsigned long long>(wrong_size),
                static_cast<unsigned long long>(errors));
  } else {
    std::printf("GET %s", dist);
    if (o.zipfian) std::printf(" theta %.2f", o.theta);
    std::printf(" over %llu keys, %d connections, pipeline %d, %.1f s measured\n",
                static_cast<unsigned long long>(o.keys), o.connections, o.pipeline, o.seconds);
    std::printf("requests %zu  throughput %.0f/s  latency p50 %.3f ms  p99 %.3f ms\n", all.size(),
                rps, p50, p99);
    std::printf(
        "misses %llu  wrong size %llu  errors %llu\n", static_cast<unsigned long long>(misses),
        static_cast<unsigned long long>(wrong_size), static_cast<unsigned long long>(errors));
  }
  if (misses + wrong_size + errors > 0) {
    std::fprintf(stderr, "zipf_load: %llu misses, %llu wrong sizes, %llu errors%s%s\n",
                 static_cast<unsigned long long>(misses),
                 static_cast<unsigned long long>(wrong_size),
                 static_cast<unsigned long long>(errors), first_error.empty() ? "" : ": ",
                 first_error.c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace ferrite::bench

int main(int argc, char** argv) { return ferrite::bench::Main(argc, argv); }
