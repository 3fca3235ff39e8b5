#include "telemetry/export/transport.h"

#include <curl/curl.h>
#include <zlib.h>

#include <cctype>
#include <ctime>

namespace ferrite::telemetry {

std::unique_ptr<Transport> MakeHttpTransport(const TransportOptions& options, std::string* error);
std::unique_ptr<Transport> MakeGrpcTransport(const TransportOptions& options, std::string* error);

TransportOptions TransportOptions::From(const TelemetryConfig& cfg, const Signal& signal,
                                        std::string_view per_signal_endpoint,
                                        std::string_view version) {
  TransportOptions o;
  o.protocol = cfg.protocol;
  o.endpoint = ResolveSignalEndpoint(cfg, per_signal_endpoint, signal.http_path);
  o.grpc_method = std::string(signal.grpc_method);
  o.headers = cfg.headers;
  o.compression = cfg.compression;
  o.ca_file = cfg.certificate;
  o.client_cert_file = cfg.client_certificate;
  o.client_key_file = cfg.client_key;
  o.insecure = cfg.insecure;
  // Ferrite's product token first, then the exporter token the OTLP spec suggests.
  o.user_agent =
      "ferrite/" + std::string(version) + " OTel-OTLP-Exporter-Cpp-Ferrite/" + std::string(version);
  return o;
}

Result<std::unique_ptr<Transport>> MakeTransport(const TransportOptions& options) {
  std::string error;
  std::unique_ptr<Transport> t = options.protocol == OtlpProtocol::kGrpc
                                     ? MakeGrpcTransport(options, &error)
                                     : MakeHttpTransport(options, &error);
  if (!t) return Status::InvalidArgument(error);
  return t;
}

std::string GzipCompress(std::string_view in) {
  z_stream zs{};
  // windowBits 15 + 16 selects the gzip wrapper.
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return {};
  std::string out;
  out.resize(deflateBound(&zs, in.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  size_t n = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return {};
  out.resize(n);
  return out;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view v) {
  while (!v.empty() && isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
  while (!v.empty() && isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  bool digits = true;
  for (char c : v) digits &= isdigit(static_cast<unsigned char>(c)) != 0;
  if (digits) {
    if (v.size() > 9) return std::nullopt;
    return std::chrono::seconds(std::stoll(std::string(v)));
  }
  time_t when = curl_getdate(std::string(v).c_str(), nullptr);
  if (when < 0) return std::nullopt;
  time_t now = time(nullptr);
  return std::chrono::seconds(when > now ? when - now : 0);
}

}  // namespace ferrite::telemetry
