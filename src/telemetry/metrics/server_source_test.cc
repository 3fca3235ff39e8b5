#include "telemetry/metrics/server_source.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/registry/command_registry.h"
#include "storage/memory_store.h"
#include "telemetry/metrics/metrics_endpoint.h"
#include "telemetry/metrics/prometheus_text.h"

namespace ferrite::telemetry::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ServerSourceTest : public ::testing::Test {
 protected:
  ServerSourceTest()
      : registry_(server::CommandRegistry::Create().value()),
        store_(storage::NewMemoryStore(16, [] { return int64_t{1'700'000'000'000}; })),
        server_(store_.get(), registry_.get(), [] { return int64_t{1'700'000'000'000}; }),
        collector_(CommandLabels(*registry_)) {
    Configure(registry_->size());
    DetachThread();
    ResetForTest();
    collector_.AddSource(ServerSource(server_));
  }

  const server::CommandSpec& Spec(std::string_view name) { return *registry_->Find(name); }

  std::string Render(ExpositionFormat f = ExpositionFormat::kText004) {
    std::string out;
    RenderPrometheus(collector_.Collect(), f, NameScheme::kOld, &out);
    return out;
  }

  std::unique_ptr<server::CommandRegistry> registry_;
  std::unique_ptr<storage::Store> store_;
  server::ServerContext server_;
  Collector collector_;
};

TEST_F(ServerSourceTest, LabelsAreCanonicalNamesById) {
  std::vector<std::string> labels = CommandLabels(*registry_);
  EXPECT_EQ(labels.size(), registry_->size());
  EXPECT_EQ(labels[Spec("get").id], "GET");
  EXPECT_EQ(labels[Spec("config|get").id], "CONFIG GET");
}

TEST_F(ServerSourceTest, ReadsTheServersOwnCounters) {
  server::ThreadStats& local = server_.stats().Local();
  local.commands[Spec("get").id].calls.Add(3);
  local.commands[Spec("config|get").id].calls.Add(1);
  local.net_input_bytes.Add(100);
  local.net_output_bytes.Add(250);
  local.connections_received.Add(4);
  server_.stats().CountError("ERR");
  server_.stats().CountError("WRONGTYPE");
  server_.stats().CountError("ERR");
  server_.max_memory = 1 << 30;

  auto session = store_->NewSession();
  storage::RecordBuilder rec;
  rec.value = "v";
  ASSERT_TRUE(session->Upsert(0, "a", rec).ok());
  ASSERT_TRUE(session->Upsert(0, "b", rec).ok());
  ASSERT_TRUE(session->Upsert(3, "c", rec).ok());

  RecordCommand(Spec("get").id, 5'000, nullptr);
  RecordCommand(Spec("get").id, 7'000, nullptr);

  std::string out = Render();
  EXPECT_THAT(out, HasSubstr("ferrite_commands_total{command=\"GET\"} 3\n"));
  EXPECT_THAT(out, HasSubstr("ferrite_commands_total{command=\"CONFIG GET\"} 1\n"));
  EXPECT_THAT(out, Not(HasSubstr("command=\"SET\"")));  // never ran: no series
  EXPECT_THAT(out, HasSubstr("ferrite_command_duration_count{command=\"GET\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("ferrite_command_duration_sum{command=\"GET\"} 0.000012\n"));
  EXPECT_THAT(out, HasSubstr("ferrite_network_bytes_received_total 100\n"));
  EXPECT_THAT(out, HasSubstr("ferrite_network_bytes_sent_total 250\n"));
  EXPECT_THAT(out, HasSubstr("ferrite_connections_total 4\n"));
  EXPECT_THAT(out, HasSubstr("ferrite_connections_active 0\n"));
  EXPECT_THAT(out, HasSubstr("ferrite_errors_total{error_type=\"ERR\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("ferrite_errors_total{error_type=\"WRONGTYPE\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("ferrite_keys_total{db=\"0\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("ferrite_keys_total{db=\"3\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("ferrite_keys_total{db=\"15\"} 0\n"));
  EXPECT_THAT(out, HasSubstr("ferrite_memory_max 1073741824\n"));
  EXPECT_THAT(out, HasSubstr("ferrite_hybridlog_tier_size{tier=\"read_only\"} "));
  EXPECT_THAT(out, HasSubstr("ferrite_cache_hit_rate "));
  EXPECT_THAT(out, HasSubstr("ferrite_epoch_current "));
  EXPECT_THAT(out, HasSubstr("ferrite_replication_lag 0\n"));

  // Memory: the same number INFO reports, and at least the engine's own accounting.
  storage::StoreStats st = store_->Stats();
  EXPECT_GE(UsedMemory(server_), st.memory_used);
}

TEST_F(ServerSourceTest, CacheHitRateFollowsStoreReads) {
  MetricsSnapshot snap = collector_.Collect();
  storage::StoreStats st = store_->Stats();
  const uint64_t hits = st.reads_mutable, misses = st.reads_read_only + st.reads_disk;
  ASSERT_EQ(snap[MetricId::kCacheHits].numbers.size(), 1u);
  EXPECT_EQ(snap[MetricId::kCacheHits].numbers[0].i, static_cast<int64_t>(hits));
  EXPECT_EQ(snap[MetricId::kCacheMisses].numbers[0].i, static_cast<int64_t>(misses));
  double rate = snap[MetricId::kCacheHitRate].numbers[0].d;
  EXPECT_DOUBLE_EQ(rate, hits + misses == 0 ? 0.0 : static_cast<double>(hits) / (hits + misses));
}

std::string HttpGet(uint16_t port, std::string_view request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[65536];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

TEST_F(ServerSourceTest, EndpointServesBothFormats) {
  server_.stats().Local().commands[Spec("set").id].calls.Add(2);
  ExemplarRef ex;
  ex.trace_id.bytes[15] = 0x42;
  ex.span_id.bytes[7] = 0x24;
  RecordCommand(Spec("set").id, 3'000, &ex);
  auto ep = MetricsEndpoint::Start({.bind = "127.0.0.1", .port = 0}, &collector_);
  ASSERT_TRUE(ep) << ep.error().ToString();

  std::string text = HttpGet((*ep)->port(),
                             "GET /metrics HTTP/1.1\r\nHost: x\r\n"
                             "Connection: close\r\n\r\n");
  EXPECT_THAT(text, HasSubstr("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(text, HasSubstr("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
  EXPECT_THAT(text, HasSubstr("ferrite_commands_total{command=\"SET\"} 2\n"));
  EXPECT_THAT(text, Not(HasSubstr("trace_id")));

  std::string om =
      HttpGet((*ep)->port(),
              "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
              "Accept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5\r\n\r\n");
  EXPECT_THAT(om, HasSubstr("Content-Type: application/openmetrics-text; version=1.0.0; "
                            "charset=utf-8\r\n"));
  EXPECT_THAT(om, HasSubstr("ferrite_command_duration_bucket{command=\"SET\",le=\"0.000005\"} 1 # "
                            "{trace_id=\"00000000000000000000000000000042\",span_id="
                            "\"0000000000000024\"} 0.000003 "));
  EXPECT_EQ(om.substr(om.size() - 6), "# EOF\n");

  EXPECT_THAT(HttpGet((*ep)->port(), "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
              HasSubstr("HTTP/1.1 404 Not Found\r\n"));
  (*ep)->Stop();
}

}  // namespace
}  // namespace ferrite::telemetry::metrics
