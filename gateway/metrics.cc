#include "metrics.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <set>

#include "event_hub.h"

namespace lc::gateway {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Integers as integers (what a statistic is), the rest in the shortest
// fixed form that reads back the same (le="0.0005", not "5e-04").
std::string number_text(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  if (r.ec != std::errc()) r = std::to_chars(buf, buf + sizeof buf, v);  // beyond 64 digits
  return std::string(buf, r.ptr);
}

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_help(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// Letters, digits and '_' only: ':' is allowed by the format but reserved
// for recording rules.
std::string sanitize(const std::string& s) {
  std::string out;
  for (char c : s)
    out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out.insert(0, "_");
  return out;
}

// A statistic's value: MI sends numbers (some OpenSIPS versions strings of
// digits); anything else is not a sample.
std::optional<double> stat_value(const Json& v) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) return std::nullopt;
  const auto& s = v.get_ref<const std::string&>();
  double d = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return d;
}


// ---- the node's side of a scrape

struct NodeScrape {
  CallSequence calls;
  std::vector<Family> families;

  std::optional<Json> ask(const std::string& command, const Json& params) {
    return calls.ask(command, params);
  }

  // "group:name" → true when the node calls it incremental. Only OpenSIPS
  // has list_statistics; the clusterer group is non-incremental (mi.md §7),
  // so the call is made only when other groups are present.
  std::set<std::string> counters(const Json& stats) {
    std::set<std::string> out;
    bool others = false;
    for (const auto& [name, v] : stats.items()) others |= name.rfind("clusterer:", 0) != 0;
    if (!others) return out;
    auto types = ask("list_statistics", Json::object());
    if (!types || !types->is_object()) return out;
    for (const auto& [name, type] : types->items())
      if (type == "incremental") out.insert(name);
    return out;
  }

  void statistics() {
    auto stats = ask("get_statistics", Json{{"statistics", Json::array({"all"})}});
    if (!stats || !stats->is_object()) return;
    const auto incremental = counters(*stats);
    std::set<std::string> seen;  // two MI names may sanitize to one metric name
    for (const auto& [mi_name, v] : stats->items()) {
      auto value = stat_value(v);
      if (!value) continue;
      const bool counter = incremental.count(mi_name) != 0;
      std::string name = metric_name(mi_name);
      if (counter && !name.ends_with("_total")) name += "_total";
      if (!seen.insert(name).second) continue;
      Family f{name, counter ? "counter" : "gauge", "Node statistic " + mi_name, {}};
      f.add("", *value);
      families.push_back(std::move(f));
    }
  }

  void links() {
    auto list = ask("clusterer_list", Json::object());
    if (!list) return;
    Family link{"clusterer_node_link_up", "gauge",
                "1 when the node's direct link with the peer is Up (clusterer_list link_state)", {}};
    Family reachable{"clusterer_node_reachable", "gauge",
                     "1 when the peer has a next hop (direct or relayed)", {}};
    Family enabled{"clusterer_node_enabled", "gauge",
                   "1 when the peer is administratively enabled", {}};
    for (const auto& c : lower_keys(*list).value("clusters", Json::array()))
      for (const auto& n : c.value("nodes", Json::array())) {
        const auto l = labels({{"cluster", std::to_string(c.value("cluster_id", 0LL))},
                               {"node", std::to_string(n.value("node_id", 0LL))}});
        link.add(l, n.value("link_state", "") == "Up");
        reachable.add(l, n.value("next_hop", "none") != "none");
        enabled.add(l, n.value("state", "") == "enabled");
      }
    for (auto* f : {&link, &reachable, &enabled}) families.push_back(std::move(*f));
  }

  void capabilities() {
    auto status = ask("sr_list_status", Json{{"group", "clusterer"}});
    if (!status || !status->is_array()) return;
    Family synced{"clusterer_capability_ready", "gauge",
                  "1 when the capability's sync status is ready (sr_list_status Readiness)", {}};
    Family code{"clusterer_capability_status", "gauge",
                "The capability's sr status: 1 synced, -1 in progress, -2 pending, -3 not synced",
                {}};
    for (const auto& id : lower_keys(*status)) {
      const std::string name = id.value("name", "");
      if (name.rfind("cap:", 0) != 0) continue;
      const auto l = labels({{"capability", name.substr(4)}});
      synced.add(l, id.value("readiness", false));
      code.add(l, id.value("status", 0LL));
    }
    families.push_back(std::move(synced));
    families.push_back(std::move(code));
  }
};

Reply scrape(const RouteInput&, Services& s) {
  NodeScrape node{CallSequence(s.node, s.mi_timeout), {}};
  node.statistics();
  node.links();
  node.capabilities();
  Family up{"cluster_gateway_node_up", "gauge",
            "1 when the node answered this scrape's MI calls, 0 when it could not be reached", {}};
  up.add("", node.calls.node_answered());
  std::vector<Family> all = std::move(node.families);
  all.push_back(std::move(up));
  if (s.events) {
    // The node has no message statistics of its own (mi.md §7): its
    // requests and replies received are counted from its event stream.
    Family events{"cluster_gateway_node_events_total", "counter",
                  "Events the node raised since the gateway started following it, by name "
                  "(E_CLUSTERER_REQ_RECEIVED and E_CLUSTERER_RPL_RECEIVED count messages)",
                  {}};
    for (const auto& [name, n] : s.events->counts()) events.add(labels({{"event", name}}), n);
    Family following{"cluster_gateway_events_connected", "gauge",
                     "1 while the gateway is subscribed to the node's events", {}};
    following.add("", s.events->connected());
    all.push_back(std::move(events));
    all.push_back(std::move(following));
  }
  for (auto& f : s.metrics.families()) all.push_back(std::move(f));
  return Text{kContentType, render(all)};
}

}  // namespace

void Family::add_suffixed(const std::string& suffix, const std::string& label_text, double value) {
  samples.emplace_back(name + suffix, label_text, number_text(value));
}

std::string labels(std::initializer_list<std::pair<const char*, std::string>> pairs) {
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += ',';
    out += std::string(k) + "=\"" + escape_label(v) + '"';
  }
  return out;
}

std::string render(const std::vector<Family>& families) {
  std::string out;
  for (const auto& f : families) {
    out += "# HELP " + f.name + ' ' + escape_help(f.help) + '\n';
    out += "# TYPE " + f.name + ' ' + f.type + '\n';
    for (const auto& [name, label_text, value] : f.samples)
      out += name + (label_text.empty() ? "" : '{' + label_text + '}') + ' ' + value + '\n';
  }
  return out;
}

std::string metric_name(const std::string& mi_statistic) {
  const auto colon = mi_statistic.find(':');
  if (colon == std::string::npos) return sanitize(mi_statistic);
  const std::string group = mi_statistic.substr(0, colon);
  const std::string stat = mi_statistic.substr(colon + 1);
  if (stat.rfind(group + "_", 0) == 0) return sanitize(stat);
  return sanitize(group + "_" + stat);
}

const char* outcome_name(MiOutcome::Kind kind) {
  switch (kind) {
    case MiOutcome::Kind::kResult: return "result";
    case MiOutcome::Kind::kMiError: return "mi_error";
    case MiOutcome::Kind::kUnreachable: return "unreachable";
    case MiOutcome::Kind::kTimeout: return "timeout";
    case MiOutcome::Kind::kBadReply: return "bad_reply";
  }
  return "unreachable";
}

// ---- Metrics

void Metrics::Histogram::observe(double seconds) {
  for (std::size_t i = 0; i < kBucketsS.size(); ++i)
    if (seconds <= kBucketsS[i]) {
      ++buckets[i];
      break;
    }
  ++count;
  sum_s += seconds;
}

void Metrics::Histogram::render_into(Family& f, const std::string& label_text) const {
  const std::string sep = label_text.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBucketsS.size(); ++i) {
    cumulative += buckets[i];
    f.add_suffixed("_bucket", label_text + sep + labels({{"le", number_text(kBucketsS[i])}}),
                   static_cast<double>(cumulative));
  }
  f.add_suffixed("_bucket", label_text + sep + labels({{"le", "+Inf"}}), static_cast<double>(count));
  f.add_suffixed("_sum", label_text, sum_s);
  f.add_suffixed("_count", label_text, static_cast<double>(count));
}

void Metrics::record_request(const std::string& route, const std::string& method, int status,
                             std::chrono::microseconds took) {
  std::lock_guard lock(mu_);
  ++requests_[{route, method, status}];
  request_s_[{route, method}].observe(took.count() / 1e6);
}

void Metrics::count_unmatched(const std::string& method, int status) {
  std::lock_guard lock(mu_);
  ++requests_[{"unmatched", method, status}];
}

void Metrics::record_mi_call(const std::string& command, MiOutcome::Kind outcome,
                             std::chrono::microseconds took) {
  std::lock_guard lock(mu_);
  mi_call_s_[{command, outcome_name(outcome)}].observe(took.count() / 1e6);
}

std::vector<Family> Metrics::families() const {
  Family requests{"cluster_gateway_http_requests_total", "counter",
                  "HTTP requests answered, by route template, method and status", {}};
  Family durations{"cluster_gateway_http_request_duration_seconds", "histogram",
                   "Time to answer an HTTP request, by route template and method", {}};
  Family mi{"cluster_gateway_mi_call_duration_seconds", "histogram",
            "MI calls to the node by command and outcome (result, mi_error, unreachable, "
            "timeout, bad_reply), with their latency",
            {}};
  std::lock_guard lock(mu_);
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    requests.add(labels({{"route", route}, {"method", method}, {"status", std::to_string(status)}}),
                 static_cast<double>(n));
  }
  for (const auto& [key, h] : request_s_)
    h.render_into(durations, labels({{"route", key.first}, {"method", key.second}}));
  for (const auto& [key, h] : mi_call_s_)
    h.render_into(mi, labels({{"command", key.first}, {"outcome", key.second}}));
  return {std::move(requests), std::move(durations), std::move(mi)};
}

// ---- MeteredBackend

MiOutcome MeteredBackend::call(const std::string& method, const Json& params,
                               std::chrono::milliseconds timeout) {
  const auto started = Clock::now();
  MiOutcome o = inner_.call(method, params, timeout);
  metrics_.record_mi_call(
      method, o.kind,
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started));
  return o;
}

Route metrics_route() {
  Route r;
  r.method = Method::kGet;
  r.path = "/metrics";
  r.summary =
      "Prometheus metrics: the node's statistics, peer link and capability state, and the "
      "gateway's requests and MI calls (200 with cluster_gateway_node_up 0 when the node is down)";
  r.access = Access::kRead;
  r.calls = "get_statistics, list_statistics (OpenSIPS), clusterer_list, sr_list_status";
  r.response_type = kContentType;
  r.answer = scrape;
  return r;
}

}  // namespace lc::gateway
