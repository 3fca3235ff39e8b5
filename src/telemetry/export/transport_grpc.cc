// OTLP/gRPC over libgrpc++'s generic stub: the request is a raw ByteBuffer holding the encoded
// Export*ServiceRequest, so no generated code is needed.

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <fstream>
#include <sstream>

#include "telemetry/export/transport.h"

namespace ferrite::telemetry {
namespace {

bool ReadFile(const std::string& path, std::string* out, std::string* error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    *error = "cannot read " + path;
    return false;
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return true;
}

bool Retryable(grpc::StatusCode c) {
  switch (c) {
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
      return true;
    default:
      return false;
  }
}

class GrpcTransport : public Transport {
 public:
  explicit GrpcTransport(const TransportOptions& o) : opts_(o) {}

  bool Init(std::string* error) {
    std::string target = opts_.endpoint;
    bool tls = !opts_.insecure;  // no scheme: TLS unless insecure
    if (target.rfind("http://", 0) == 0) {
      target = target.substr(7), tls = false;
    } else if (target.rfind("https://", 0) == 0) {
      target = target.substr(8), tls = true;
    }
    if (!target.empty() && target.back() == '/') target.pop_back();
    std::shared_ptr<grpc::ChannelCredentials> creds;
    if (tls) {
      grpc::SslCredentialsOptions ssl;
      if (!opts_.ca_file.empty() && !ReadFile(opts_.ca_file, &ssl.pem_root_certs, error))
        return false;
      if (!opts_.client_cert_file.empty() &&
          !ReadFile(opts_.client_cert_file, &ssl.pem_cert_chain, error))
        return false;
      if (!opts_.client_key_file.empty() &&
          !ReadFile(opts_.client_key_file, &ssl.pem_private_key, error))
        return false;
      creds = grpc::SslCredentials(ssl);
    } else {
      creds = grpc::InsecureChannelCredentials();
    }
    grpc::ChannelArguments args;
    args.SetUserAgentPrefix(opts_.user_agent);
    args.SetMaxReceiveMessageSize(4 << 20);
    // Reconnect quickly after a collector restart; the exporter's own backoff paces retries.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
    channel_ = grpc::CreateCustomChannel(target, creds, args);
    if (!channel_) {
      *error = "cannot create a gRPC channel to " + target;
      return false;
    }
    stub_ = std::make_unique<grpc::GenericStub>(channel_);
    for (auto& [k, v] : opts_.headers) {
      std::string key = k;
      for (char& c : key) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
      metadata_.emplace_back(std::move(key), v);
    }
    return true;
  }

  SendResult Send(std::string_view body, std::chrono::milliseconds timeout) override {
    SendResult r;
    try {
      grpc::ClientContext ctx;
      if (timeout.count() > 0) ctx.set_deadline(std::chrono::system_clock::now() + timeout);
      for (const auto& [k, v] : metadata_) ctx.AddMetadata(k, v);
      if (opts_.compression == Compression::kGzip)
        ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
      grpc::Slice slice(body.data(), body.size());
      grpc::ByteBuffer request(&slice, 1);
      grpc::ByteBuffer response;
      grpc::Status status;
      grpc::CompletionQueue cq;
      auto call = stub_->PrepareUnaryCall(&ctx, opts_.grpc_method, request, &cq);
      call->StartCall();
      int tag = 1;
      call->Finish(&response, &status, &tag);
      void* got = nullptr;
      bool ok = false;
      cq.Next(&got, &ok);
      cq.Shutdown();
      while (cq.Next(&got, &ok)) {
      }
      if (status.ok()) {
        r.kind = SendResult::Kind::kSuccess;
        std::vector<grpc::Slice> slices;
        std::string bytes;
        if (response.Dump(&slices).ok())
          for (const auto& s : slices)
            bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
        r.partial = DecodeExportResponse(bytes, Encoding::kProtobuf);
        return r;
      }
      r.retry_after = RetryDelayFromStatus(status.error_details());
      bool retryable = Retryable(status.error_code()) ||
                       (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
                        r.retry_after.has_value());
      r.kind = retryable ? SendResult::Kind::kRetryable : SendResult::Kind::kPermanent;
      r.error = "gRPC export to " + opts_.endpoint + " failed: code " +
                std::to_string(static_cast<int>(status.error_code())) + " " +
                status.error_message();
    } catch (const std::exception& e) {
      r.kind = SendResult::Kind::kRetryable;
      r.error = std::string("gRPC export threw: ") + e.what();
    }
    return r;
  }

 private:
  TransportOptions opts_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::vector<std::pair<std::string, std::string>> metadata_;
};

}  // namespace

std::unique_ptr<Transport> MakeGrpcTransport(const TransportOptions& options, std::string* error) {
  auto t = std::make_unique<GrpcTransport>(options);
  if (!t->Init(error)) return nullptr;
  return t;
}

}  // namespace ferrite::telemetry
