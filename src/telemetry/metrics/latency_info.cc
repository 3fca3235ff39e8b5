#include "telemetry/metrics/latency_info.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ferrite::telemetry::metrics {

double PercentileUsec(const HistogramTotals& h, double percentile) {
  // The rank of the wanted sample, 1-based, as HdrHistogram counts it.
  const double rank = std::max(1.0, std::ceil(percentile / 100.0 * static_cast<double>(h.count)));
  uint64_t seen = 0;
  for (size_t b = 0; b < h.counts.size(); ++b) {
    const uint64_t in_bucket = h.counts[b];
    if (in_bucket == 0 || static_cast<double>(seen + in_bucket) < rank) {
      seen += in_bucket;
      continue;
    }
    if (b >= kCommandBoundsNs.size()) return kCommandBoundsNs.back() / 1000.0;
    const double lower = b == 0 ? 0.0 : static_cast<double>(kCommandBoundsNs[b - 1]);
    const double upper = static_cast<double>(kCommandBoundsNs[b]);
    const double fraction = (rank - static_cast<double>(seen)) / static_cast<double>(in_bucket);
    return (lower + (upper - lower) * fraction) / 1000.0;
  }
  return kCommandBoundsNs.back() / 1000.0;
}

namespace {

// Redis prints the percentile with "%f" and trims trailing zeros: 50, 99, 99.9.
std::string PercentileName(double p) {
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%f", p);
  std::string s(buf, static_cast<size_t>(n));
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

void AppendLatencyStats(const std::vector<std::string>& names, std::span<const double> percentiles,
                        std::string* out) {
  std::vector<HistogramTotals> histograms = MergeCommandHistograms();
  for (size_t id = 0; id < histograms.size() && id < names.size(); ++id) {
    const HistogramTotals& h = histograms[id];
    if (h.count == 0 || names[id].empty()) continue;
    out->append("latency_percentiles_usec_");
    out->append(names[id]);
    out->push_back(':');
    for (size_t i = 0; i < percentiles.size(); ++i) {
      char buf[64];
      int n = std::snprintf(buf, sizeof buf, "=%.3f", PercentileUsec(h, percentiles[i]));
      if (i > 0) out->push_back(',');
      out->push_back('p');
      out->append(PercentileName(percentiles[i]));
      out->append(buf, static_cast<size_t>(n));
    }
    out->append("\r\n");
  }
}

}  // namespace ferrite::telemetry::metrics
