// GET /metrics: the node's statistics, link and capability state, and the
// gateway's own request and MI-call figures, in the Prometheus text format
// (0.0.4). `Metrics` is the gateway's registry (one per server, no
// globals); `MeteredBackend` records every MI call of every route into it.
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "mi_backend.h"
#include "routes.h"

namespace lc::gateway {

// One metric family of an exposition: HELP and TYPE once, then its
// samples. `samples` are (name with suffix, label text without braces,
// value text).
struct Family {
  std::string name;
  std::string type;  // counter, gauge, histogram
  std::string help;
  std::vector<std::tuple<std::string, std::string, std::string>> samples;

  void add(const std::string& label_text, double value) { add_suffixed("", label_text, value); }
  void add_suffixed(const std::string& suffix, const std::string& label_text, double value);
};

// `name="value"` pairs, values escaped as the text format wants.
std::string labels(std::initializer_list<std::pair<const char*, std::string>> pairs);

// The families as exposition text.
std::string render(const std::vector<Family>& families);

// "clusterer:clusterer_nodes" → "clusterer_nodes", "core:rcv_requests" →
// "core_rcv_requests": the group is a prefix unless the name already starts
// with it; characters a metric name may not hold become '_'.
std::string metric_name(const std::string& mi_statistic);

const char* outcome_name(MiOutcome::Kind kind);  // result, mi_error, unreachable...

class Metrics {
 public:
  // Upper bounds in seconds, fixed so that the series count stays bounded:
  // from a fast unix-socket MI call (~100 µs) to the 5 s default timeout.
  static constexpr std::array<double, 12> kBucketsS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                       0.05,   0.1,   0.25,   0.5,   1,     5};

  // `route` is the path template ("/v1/clusters/{cid}/nodes") or
  // "unmatched", never the raw path, to bound the label values.
  void record_request(const std::string& route, const std::string& method, int status,
                      std::chrono::microseconds took);
  // A request no route took (404, 405, 413): counted, not timed.
  void count_unmatched(const std::string& method, int status);
  void record_mi_call(const std::string& command, MiOutcome::Kind outcome,
                      std::chrono::microseconds took);

  // The gateway's own families (requests, durations, MI calls).
  std::vector<Family> families() const;

 private:
  struct Histogram {
    std::array<uint64_t, kBucketsS.size()> buckets{};  // not cumulative; summed on render
    uint64_t count = 0;
    double sum_s = 0;
    void observe(double seconds);
    void render_into(Family& f, const std::string& label_text) const;
  };

  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;  // route, method, status
  std::map<std::pair<std::string, std::string>, Histogram> request_s_;     // route, method
  std::map<std::pair<std::string, std::string>, Histogram> mi_call_s_;     // command, outcome
};

// A MiBackend that times every call of the one it wraps into `metrics`.
class MeteredBackend : public MiBackend {
 public:
  MeteredBackend(MiBackend& inner, Metrics& metrics) : inner_(inner), metrics_(metrics) {}
  MiOutcome call(const std::string& method, const Json& params,
                 std::chrono::milliseconds timeout) override;
  const std::string& address() const override { return inner_.address(); }

 private:
  MiBackend& inner_;
  Metrics& metrics_;
};

Route metrics_route();

}  // namespace lc::gateway
