// GET /metrics and GET /readyz of cluster-gateway against real clusterd
// nodes. Each test that changes the cluster (stops a node, disables the
// local node) starts its own pair. Every wait is bounded.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

#include "gateway_process.h"
#include "node_process.h"
#include "polling.h"

namespace lc::itest {
namespace {

using namespace std::chrono_literals;
using lc::test::free_port;
using lc::test::wait_for;

// ---- the text format, parsed strictly enough to catch what Prometheus rejects

struct Exposition {
  std::map<std::string, double> series;  // `name{labels}` → value
  std::vector<std::string> errors;

  bool has(const std::string& key) const { return series.count(key) != 0; }
  double at(const std::string& key) const {
    auto it = series.find(key);
    return it == series.end() ? -1 : it->second;
  }
};

// The family a sample belongs to: histograms add _bucket/_sum/_count.
std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.ends_with(s)) {
      auto base = name.substr(0, name.size() - s.size());
      if (types.count(base) && types.at(base) == "histogram") return base;
    }
  }
  return name;
}

Exposition parse(const std::string& text) {
  static const std::regex sample(
      R"(^([a-zA-Z_][a-zA-Z0-9_]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*)?\})? (-?[0-9.eE+-]+|\+Inf|-Inf|NaN)$)");
  static const std::regex type_line(R"(^# TYPE ([a-zA-Z_][a-zA-Z0-9_]*) (counter|gauge|histogram)$)");
  Exposition e;
  std::map<std::string, std::string> types;
  std::set<std::string> helped, closed;
  std::string current;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (line.rfind("# HELP ", 0) == 0) {
      helped.insert(line.substr(7, line.find(' ', 7) - 7));
    } else if (std::regex_match(line, m, type_line)) {
      if (!types.emplace(m[1], m[2]).second) e.errors.push_back("second TYPE: " + line);
      if (!helped.count(m[1])) e.errors.push_back("TYPE before HELP: " + line);
      if (!current.empty()) closed.insert(current);
      current = m[1];
    } else if (std::regex_match(line, m, sample)) {
      const std::string family = family_of(m[1], types);
      if (!types.count(family)) e.errors.push_back("no TYPE before: " + line);
      if (family != current || closed.count(family)) e.errors.push_back("out of its family: " + line);
      const std::string key = line.substr(0, line.rfind(' '));
      if (!e.series.emplace(key, std::stod(m[m.size() - 1])).second)
        e.errors.push_back("duplicate series: " + line);
    } else {
      e.errors.push_back("unparsable: " + line);
    }
  }
  return e;
}

Exposition scrape(const GatewayProcess& gw, const std::string& token = "") {
  auto res = gw.client(token)->Get("/metrics");
  if (!res || res->status != 200) return Exposition{{}, {"no 200 from /metrics"}};
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  auto e = parse(res->body);
  EXPECT_TRUE(e.errors.empty()) << ::testing::PrintToString(e.errors) << "\n" << res->body;
  return e;
}

const std::string kLink2 = R"(clusterer_node_link_up{cluster="1",node="2"})";
const std::string kClustersOk =
    R"(cluster_gateway_http_requests_total{route="/v1/clusters",method="GET",status="200"})";

bool link_is(const GatewayProcess& gw, double value) {
  return wait_for([&] { return scrape(gw).at(kLink2) == value; }, 12s).has_value();
}

int ready_status(const GatewayProcess& gw) {
  auto res = gw.client()->Get("/readyz");
  return res ? res->status : 0;
}

std::map<std::string, bool> checks_of(const Json& body) {
  std::map<std::string, bool> out;
  for (const auto& c : body.value("checks", Json::array())) out[c["name"]] = c["ok"];
  return out;
}

class GatewayMetrics : public ::testing::TestWithParam<std::string> {};

constexpr const char* kRequestsReceived =
    R"(cluster_gateway_node_events_total{event="E_CLUSTERER_REQ_RECEIVED"})";

TEST_P(GatewayMetrics, NodeStatisticsLinksAndOwnFigures) {
  TwoNodes pair;
  GatewayProcess gw(pair.dir.path(), pair.node_arg(GetParam()), {});
  ASSERT_TRUE(gw.ready()) << gw.log();
  ASSERT_TRUE(link_is(gw, 1)) << gw.log();

  auto e = scrape(gw);
  EXPECT_EQ(e.at("clusterer_nodes"), 1);
  EXPECT_EQ(e.at("clusterer_nodes_up"), 1);
  EXPECT_EQ(e.at("clusterer_nodes_down"), 0);
  EXPECT_EQ(e.at(R"(clusterer_node_enabled{cluster="1",node="2"})"), 1);
  EXPECT_EQ(e.at(R"(clusterer_node_reachable{cluster="1",node="2"})"), 1);
  EXPECT_EQ(e.at("cluster_gateway_node_up"), 1);
  EXPECT_GE(e.at(R"(cluster_gateway_mi_call_duration_seconds_bucket{command="get_statistics",outcome="result",le="+Inf"})"),
            1);
  EXPECT_TRUE(e.has(R"(cluster_gateway_mi_call_duration_seconds_sum{command="clusterer_list",outcome="result"})"));

  // Requests are counted by route template, unmatched ones under one label.
  gw.client()->Get("/v1/clusters");
  gw.client()->Get("/v1/clusters/1/nodes/2");
  gw.client()->Get("/no/such/route");
  const double before = scrape(gw).at(kClustersOk);
  gw.client()->Get("/v1/clusters");
  e = scrape(gw);
  EXPECT_EQ(e.at(kClustersOk), before + 1);
  EXPECT_EQ(e.at(R"(cluster_gateway_http_requests_total{route="/v1/clusters/{cid}/nodes/{nid}",method="GET",status="200"})"),
            1);
  EXPECT_EQ(e.at(R"(cluster_gateway_http_requests_total{route="unmatched",method="GET",status="404"})"), 1);
  EXPECT_GE(e.at(R"(cluster_gateway_http_request_duration_seconds_count{route="/metrics",method="GET"})"), 2);
  EXPECT_TRUE(e.has(R"(cluster_gateway_http_request_duration_seconds_bucket{route="/v1/clusters",method="GET",le="0.001"})"));

  // Messages received by the node, counted from its event stream (unix
  // back end only: mi_http has no events).
  if (GetParam() == "unix") {
    EXPECT_EQ(e.at("cluster_gateway_events_connected"), 1);
    auto c = gw.client();
    c->Post("/v1/clusters/1/nodes/1/messages", R"({"msg":"to myself"})", "application/json");
    EXPECT_TRUE(wait_for([&] {
                  auto m = scrape(gw);
                  return m.has(kRequestsReceived) && m.at(kRequestsReceived) == 1;
                },
                         3s))
        << gw.client()->Get("/metrics")->body;
  } else {
    EXPECT_FALSE(e.has("cluster_gateway_events_connected"));
  }

  // The peer stopped: its link gauge goes to 0 once node 1 declares it down.
  pair.n2->proc().terminate(3s);
  EXPECT_TRUE(link_is(gw, 0)) << gw.log();
}

INSTANTIATE_TEST_SUITE_P(Backends, GatewayMetrics, ::testing::Values("unix", "http"),
                         [](const auto& info) { return info.param; });

TEST(GatewayMetricsNode, UnreachableNodeIs200WithNodeUp0) {
  TempDir dir;
  GatewayProcess gw(dir.path(), "unix:" + dir.path() + "/nobody.sock", {});
  ASSERT_TRUE(gw.ready()) << gw.log();
  auto e = scrape(gw);
  EXPECT_EQ(e.at("cluster_gateway_node_up"), 0);
  EXPECT_FALSE(e.has("clusterer_nodes"));
  // One MI call, not one per command: the scrape stops at a silent node.
  EXPECT_EQ(e.at(R"(cluster_gateway_mi_call_duration_seconds_count{command="get_statistics",outcome="unreachable"})"),
            1);
  EXPECT_FALSE(e.has(R"(cluster_gateway_mi_call_duration_seconds_count{command="clusterer_list",outcome="unreachable"})"));
}

TEST(GatewayMetricsNode, CapabilitySyncStateAndReadiness) {
  // Node 1 is the seed: node 2 syncs from it.
  TwoNodes pair({"--kv_cluster_id", "1", "--kv_collection", "default/r",
                 "--seed_fallback_interval", "1"},
                "seed");
  GatewayProcess gw(pair.dir.path(), pair.node_arg("unix"), {});
  ASSERT_TRUE(gw.ready()) << gw.log();
  const std::string ready = R"(clusterer_capability_ready{capability="cachedb-local-repl"})";
  EXPECT_TRUE(wait_for([&] { return scrape(gw).at(ready) == 1; }, 30s)) << gw.log();
  EXPECT_EQ(scrape(gw).at(R"(clusterer_capability_status{capability="cachedb-local-repl"})"), 1);
  ASSERT_TRUE(wait_for([&] { return ready_status(gw) == 200; }, 10s)) << gw.log();
  auto verbose = body_of(gw.client()->Get("/readyz?verbose"));
  for (const auto& c : verbose["checks"]) {
    if (c["name"] != "capabilities") continue;
    EXPECT_NE(c["detail"].get<std::string>().find("cachedb-local-repl (synced)"), std::string::npos)
        << verbose.dump();
  }
}

TEST(GatewayMetricsNode, OpenapiTypesMetricsAsText) {
  TempDir dir;
  GatewayProcess gw(dir.path(), "unix:" + dir.path() + "/nobody.sock", {});
  ASSERT_TRUE(gw.ready()) << gw.log();
  auto doc = body_of(gw.client()->Get("/openapi.json"));
  EXPECT_TRUE(doc["paths"]["/metrics"]["get"]["responses"]["200"]["content"].contains(
      "text/plain; version=0.0.4; charset=utf-8"))
      << doc["paths"]["/metrics"].dump();
  EXPECT_EQ(doc["paths"]["/readyz"]["get"]["security"], Json::array());
}

TEST(GatewayMetricsNode, MetricsNeedTheReadTokenReadyzDoesNot) {
  TwoNodes pair;
  auto write = write_file(pair.dir.path() + "/w.token", "the-write-token", 0600);
  auto read = write_file(pair.dir.path() + "/r.token", "the-read-token", 0600);
  GatewayProcess gw(pair.dir.path(), pair.node_arg("unix"),
                    {"--token-file", write, "--read-token-file", read});
  ASSERT_TRUE(gw.ready()) << gw.log();
  auto res = gw.client()->Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(scrape(gw, "the-read-token").at("cluster_gateway_node_up"), 1);
  EXPECT_EQ(scrape(gw, "the-write-token").at("cluster_gateway_node_up"), 1);
  res = gw.client()->Get("/readyz");
  ASSERT_TRUE(res);
  EXPECT_NE(res->status, 401);
}

// ---- /readyz

TEST(GatewayReady, ReadyThenDisabledThenEnabled) {
  TwoNodes pair;
  GatewayProcess gw(pair.dir.path(), pair.node_arg("unix"), {});
  ASSERT_TRUE(gw.ready()) << gw.log();
  ASSERT_TRUE(wait_for([&] { return ready_status(gw) == 200; }, 10s)) << gw.log();
  auto res = gw.client()->Get("/readyz");
  EXPECT_EQ(body_of(res), Json({{"status", "ready"}}));

  auto verbose = body_of(gw.client()->Get("/readyz?verbose"));
  EXPECT_EQ(verbose["status"], "ready");
  const std::map<std::string, bool> all_ok{
      {"node", true}, {"local_node_enabled", true}, {"peers", true}, {"capabilities", true}};
  EXPECT_EQ(checks_of(verbose), all_ok) << verbose.dump();
  for (const auto& c : verbose["checks"]) EXPECT_FALSE(c["detail"].get<std::string>().empty());

  auto put = gw.client()->Put("/v1/clusters/1/nodes/1/status", R"({"status":"disabled"})",
                              "application/json");
  ASSERT_TRUE(put);
  ASSERT_EQ(put->status, 200) << put->body;
  res = gw.client()->Get("/readyz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/problem+json");
  auto body = body_of(res);
  EXPECT_FALSE(checks_of(body).at("local_node_enabled")) << res->body;
  EXPECT_NE(body["detail"].get<std::string>().find("local_node_enabled"), std::string::npos);
  auto v = checks_of(body_of(gw.client()->Get("/readyz?verbose")));
  EXPECT_EQ(v.size(), 4u);
  EXPECT_TRUE(v["node"]);
  EXPECT_FALSE(v["local_node_enabled"]);

  put = gw.client()->Put("/v1/clusters/1/nodes/1/status", R"({"status":"enabled"})",
                         "application/json");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 200);
  EXPECT_TRUE(wait_for([&] { return ready_status(gw) == 200; }, 10s)) << gw.log();
}

TEST(GatewayReady, LonePeerDownIsNotReady) {
  TwoNodes pair;
  GatewayProcess gw(pair.dir.path(), pair.node_arg("http"), {});
  ASSERT_TRUE(gw.ready()) << gw.log();
  ASSERT_TRUE(wait_for([&] { return ready_status(gw) == 200; }, 10s)) << gw.log();
  pair.n2->proc().terminate(3s);
  ASSERT_TRUE(wait_for([&] { return ready_status(gw) == 503; }, 12s)) << gw.log();
  auto body = body_of(gw.client()->Get("/readyz?verbose"));
  auto checks = checks_of(body);
  EXPECT_FALSE(checks["peers"]) << body.dump();
  EXPECT_TRUE(checks["local_node_enabled"]) << body.dump();
}

TEST(GatewayReady, CapabilityWithoutDonorIsNotReady) {
  // No seed: both nodes wait for a donor, the capability stays "sync pending".
  TwoNodes pair({"--kv_cluster_id", "1", "--kv_collection", "default/r",
                 "--seed_fallback_interval", "1"});
  GatewayProcess gw(pair.dir.path(), pair.node_arg("unix"), {});
  ASSERT_TRUE(gw.ready()) << gw.log();
  ASSERT_TRUE(link_is(gw, 1)) << gw.log();
  auto res = gw.client()->Get("/readyz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503) << res->body;
  auto checks = checks_of(body_of(res));
  EXPECT_EQ(checks, (std::map<std::string, bool>{{"capabilities", false}})) << res->body;
  EXPECT_NE(res->body.find("cachedb-local-repl (sync pending)"), std::string::npos) << res->body;
}

TEST(GatewayReady, UnreachableNodeIs503) {
  TempDir dir;
  GatewayProcess gw(dir.path(), "http://127.0.0.1:" + std::to_string(free_port()) + "/mi", {});
  ASSERT_TRUE(gw.ready()) << gw.log();
  auto res = gw.client()->Get("/readyz?verbose");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  auto checks = checks_of(body_of(res));
  EXPECT_EQ(checks.size(), 4u) << res->body;
  EXPECT_FALSE(checks["node"]);
}

}  // namespace
}  // namespace lc::itest
