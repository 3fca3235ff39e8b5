// OTLP/HTTP over libcurl (protobuf or JSON bodies).

#include <curl/curl.h>

#include <mutex>

#include "telemetry/export/transport.h"

namespace ferrite::telemetry {
namespace {

size_t CollectBody(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<std::string*>(user);
  // A response above 4 MiB is not an OTLP response we need to read in full.
  if (s->size() < (4u << 20)) s->append(data, size * n);
  return size * n;
}

size_t CollectHeader(char* data, size_t size, size_t n, void* user) {
  std::string_view line(data, size * n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    bool match = true;
    for (size_t i = 0; i < kName.size(); ++i)
      match &= static_cast<char>(tolower(static_cast<unsigned char>(line[i]))) == kName[i];
    if (match) *static_cast<std::string*>(user) = std::string(line.substr(kName.size()));
  }
  return size * n;
}

class HttpTransport : public Transport {
 public:
  explicit HttpTransport(const TransportOptions& o) : opts_(o) {
    encoding_ = o.protocol == OtlpProtocol::kHttpJson ? Encoding::kJson : Encoding::kProtobuf;
  }
  ~HttpTransport() override {
    if (headers_) curl_slist_free_all(headers_);
    if (curl_) curl_easy_cleanup(curl_);
  }

  bool Init(std::string* error) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    curl_ = curl_easy_init();
    if (!curl_) {
      *error = "curl_easy_init failed";
      return false;
    }
    headers_ = curl_slist_append(headers_, encoding_ == Encoding::kJson
                                               ? "Content-Type: application/json"
                                               : "Content-Type: application/x-protobuf");
    if (opts_.compression == Compression::kGzip)
      headers_ = curl_slist_append(headers_, "Content-Encoding: gzip");
    headers_ = curl_slist_append(headers_, "Expect:");  // no 100-continue round trip
    for (const auto& [k, v] : opts_.headers) {
      std::string h = k + ": " + v;
      headers_ = curl_slist_append(headers_, h.c_str());
    }
    curl_easy_setopt(curl_, CURLOPT_URL, opts_.endpoint.c_str());
    curl_easy_setopt(curl_, CURLOPT_POST, 1L);
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl_, CURLOPT_USERAGENT, opts_.user_agent.c_str());
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a multithreaded server
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, CollectBody);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &response_);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, CollectHeader);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &retry_after_);
    curl_easy_setopt(curl_, CURLOPT_ACCEPT_ENCODING, "");  // accept gzip responses
    curl_easy_setopt(curl_, CURLOPT_TCP_KEEPALIVE, 1L);
    if (!opts_.ca_file.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, opts_.ca_file.c_str());
    if (!opts_.client_cert_file.empty())
      curl_easy_setopt(curl_, CURLOPT_SSLCERT, opts_.client_cert_file.c_str());
    if (!opts_.client_key_file.empty())
      curl_easy_setopt(curl_, CURLOPT_SSLKEY, opts_.client_key_file.c_str());
    return true;
  }

  SendResult Send(std::string_view body, std::chrono::milliseconds timeout) override {
    SendResult r;
    std::string gz;
    if (opts_.compression == Compression::kGzip) {
      gz = GzipCompress(body);
      body = gz;
    }
    response_.clear();
    retry_after_.clear();
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    CURLcode rc = curl_easy_perform(curl_);
    if (rc != CURLE_OK) {
      // Could not connect, timed out, connection reset: retry with backoff.
      r.kind = SendResult::Kind::kRetryable;
      r.error =
          std::string("HTTP export to ") + opts_.endpoint + " failed: " + curl_easy_strerror(rc);
      return r;
    }
    long code = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code < 300) {
      r.kind = SendResult::Kind::kSuccess;
      r.partial = DecodeExportResponse(response_, encoding_);
      return r;
    }
    r.retry_after = ParseRetryAfter(retry_after_);
    bool retryable = code == 429 || code == 502 || code == 503 || code == 504;
    r.kind = retryable ? SendResult::Kind::kRetryable : SendResult::Kind::kPermanent;
    std::string msg = StatusMessage(response_, encoding_);
    r.error = "HTTP export to " + opts_.endpoint + " returned " + std::to_string(code) +
              (msg.empty() ? "" : ": " + msg);
    return r;
  }

 private:
  TransportOptions opts_;
  CURL* curl_ = nullptr;
  curl_slist* headers_ = nullptr;
  std::string response_;
  std::string retry_after_;
};

}  // namespace

std::unique_ptr<Transport> MakeHttpTransport(const TransportOptions& options, std::string* error) {
  auto t = std::make_unique<HttpTransport>(options);
  if (!t->Init(error)) return nullptr;
  return t;
}

}  // namespace ferrite::telemetry
