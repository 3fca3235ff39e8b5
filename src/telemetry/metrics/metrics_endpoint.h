#pragma once
// MetricsEndpoint: the `[metrics]` HTTP endpoint. GET /metrics collects a snapshot and renders
// it in the format the Accept header negotiates (prometheus_text.h); GET / points at /metrics;
// anything else is 404. It runs on its own thread (net::HttpServer), never on an event loop.
//
//   metrics::MetricsEndpoint::Options opt{.bind = cfg.metrics.bind, .port = cfg.metrics.port};
//   auto ep = metrics::MetricsEndpoint::Start(opt, &collector);   // Result<unique_ptr<...>>
//   ...
//   ep->Stop();                                                   // or destroy it
//
// Thread safety: Start/Stop from the controlling thread; the collector must outlive the endpoint.

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "net/http_server.h"
#include "telemetry/metrics/collector.h"
#include "telemetry/metrics/prometheus_text.h"

namespace ferrite::telemetry::metrics {

class MetricsEndpoint {
 public:
  struct Options {
    std::string bind = "127.0.0.1";
    uint16_t port = 9090;  // 0 picks a free port (tests)
    NameScheme scheme = NameScheme::kOld;
  };

  static Result<std::unique_ptr<MetricsEndpoint>> Start(const Options& options,
                                                        const Collector* collector);
  uint16_t port() const { return server_->port(); }
  void Stop() { server_->Stop(); }

  // The response to one request (exposed for tests and benchmarks).
  static net::HttpResponse Handle(const net::HttpRequest& req, const Collector& collector,
                                  NameScheme scheme);

 private:
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace ferrite::telemetry::metrics
