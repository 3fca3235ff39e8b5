#include "telemetry/metrics/metrics_endpoint.h"

namespace ferrite::telemetry::metrics {

net::HttpResponse MetricsEndpoint::Handle(const net::HttpRequest& req, const Collector& collector,
                                          NameScheme scheme) {
  net::HttpResponse resp;
  if (req.path == "/metrics") {
    ExpositionFormat format = NegotiateFormat(req.Header("Accept"));
    resp.content_type = std::string(ContentType(format));
    resp.body.reserve(256 * 1024);
    RenderPrometheus(collector.Collect(), format, scheme, &resp.body);
    return resp;
  }
  if (req.path == "/") {
    resp.content_type = "text/html; charset=utf-8";
    resp.body =
        "<html><head><title>Ferrite</title></head><body><h1>Ferrite</h1>"
        "<p><a href=\"/metrics\">Metrics</a></p></body></html>\n";
    return resp;
  }
  resp.status = 404;
  resp.body = "not found: try /metrics\n";
  return resp;
}

Result<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(const Options& options,
                                                                const Collector* collector) {
  net::HttpServer::Options http;
  http.bind = options.bind;
  http.port = options.port;
  http.thread_name = "ferrite-metrics";
  NameScheme scheme = options.scheme;
  auto server = net::HttpServer::Start(http, [collector, scheme](const net::HttpRequest& req) {
    return Handle(req, *collector, scheme);
  });
  if (!server) return server.error();
  std::unique_ptr<MetricsEndpoint> ep(new MetricsEndpoint);
  ep->server_ = std::move(*server);
  return ep;
}

}  // namespace ferrite::telemetry::metrics
