// cluster-gateway against real clusterd processes on loopback. The same
// tests run through both MI back ends: the node's unix socket and its
// mi_http (the path an OpenSIPS node's mi_http takes). Every wait is bounded.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <memory>
#include <regex>
#include <set>

#include "gateway_process.h"
#include "node_process.h"
#include "polling.h"

namespace lc::itest {
namespace {

using namespace std::chrono_literals;
using lc::test::free_port;
using lc::test::wait_for;

// Checks an RFC 9457 answer: status, content type, and the members.
void expect_problem(const httplib::Result& res, int status, const std::string& what) {
  ASSERT_TRUE(res) << what << ": no response";
  EXPECT_EQ(res->status, status) << what << ": " << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/problem+json") << what;
  auto j = body_of(res);
  EXPECT_EQ(j.value("status", 0), status) << what;
  EXPECT_TRUE(j.contains("title") && j.contains("detail")) << what << ": " << res->body;
}

class GatewayRoutes : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { nodes_ = new TwoNodes(); }
  static void TearDownTestSuite() {
    delete nodes_;
    nodes_ = nullptr;
  }
  void SetUp() override {
    gw_ = std::make_unique<GatewayProcess>(nodes_->dir.path(), nodes_->node_arg(GetParam()),
                                           std::vector<std::string>{});
    ASSERT_TRUE(gw_->ready()) << gw_->log();
  }
  // Node 2 seen Up by node 1, through the gateway (it may have been
  // disabled and enabled by an earlier test).
  bool peer_up() {
    return wait_for([&] {
             auto j = body_of(gw_->client()->Get("/v1/clusters/1/nodes/2"));
             return j.value("link_state", "") == "Up";
           },
                    10s)
        .has_value();
  }

  static TwoNodes* nodes_;
  std::unique_ptr<GatewayProcess> gw_;
};
TwoNodes* GatewayRoutes::nodes_ = nullptr;

TEST_P(GatewayRoutes, ClustersAndNodes) {
  ASSERT_TRUE(peer_up()) << gw_->log();
  auto all = gw_->client()->Get("/v1/clusters");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->status, 200);
  EXPECT_EQ(all->get_header_value("Content-Type"), "application/json");
  auto j = body_of(all);
  ASSERT_EQ(j["clusters"].size(), 1u) << all->body;
  EXPECT_EQ(j["clusters"][0]["cluster_id"], 1);
  ASSERT_EQ(j["clusters"][0]["nodes"].size(), 1u);
  EXPECT_EQ(j["clusters"][0]["nodes"][0]["node_id"], 2);

  auto nodes = body_of(gw_->client()->Get("/v1/clusters/1/nodes"));
  EXPECT_EQ(nodes["cluster_id"], 1);
  EXPECT_EQ(nodes["nodes"].size(), 1u);
  auto node = body_of(gw_->client()->Get("/v1/clusters/1/nodes/2"));
  EXPECT_EQ(node["url"], bin_url("127.0.0.1", nodes_->p2));
  EXPECT_EQ(node["state"], "enabled");
  EXPECT_EQ(node["next_hop"], "2");
}

TEST_P(GatewayRoutes, UnknownClusterOrNodeIs404) {
  expect_problem(gw_->client()->Get("/v1/clusters/9/nodes"), 404, "unknown cluster");
  expect_problem(gw_->client()->Get("/v1/clusters/9/nodes/2"), 404, "unknown cluster, node");
  expect_problem(gw_->client()->Get("/v1/clusters/1/nodes/9"), 404, "unknown node");
  expect_problem(gw_->client()->Get("/v1/clusters/9/topology"), 404, "unknown cluster topology");
}

TEST_P(GatewayRoutes, BadPathValuesAre400) {
  expect_problem(gw_->client()->Get("/v1/clusters/abc/nodes"), 400, "cid not a number");
  expect_problem(gw_->client()->Get("/v1/clusters/0/nodes"), 400, "cid 0");
  expect_problem(gw_->client()->Get("/v1/clusters/1/nodes/-2"), 400, "negative nid");
  expect_problem(gw_->client()->Get("/v1/reports/node_states?since=yesterday"), 400, "since");
}

TEST_P(GatewayRoutes, SetStatusDisablesAndEnables) {
  ASSERT_TRUE(peer_up()) << gw_->log();
  auto c = gw_->client();
  auto res = c->Put("/v1/clusters/1/nodes/2/status", R"({"status":"disabled"})",
                    "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(body_of(res)["status"], "disabled");
  auto node = body_of(c->Get("/v1/clusters/1/nodes/2"));
  EXPECT_EQ(node["state"], "disabled");
  EXPECT_EQ(node["link_state"], "Down");

  res = c->Put("/v1/clusters/1/nodes/2/status", R"({"status":"enabled"})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(peer_up()) << "node 2 did not come back Up after enabling";
}

TEST_P(GatewayRoutes, SetStatusErrors) {
  auto c = gw_->client();
  const std::string path = "/v1/clusters/1/nodes/2/status";
  expect_problem(c->Put(path, "{not json", "application/json"), 400, "bad JSON");
  expect_problem(c->Put(path, R"({"status":"maybe"})", "application/json"), 400, "bad status");
  expect_problem(c->Put(path, R"({"status":1})", "application/json"), 400, "status not a string");
  expect_problem(c->Put(path, "", "application/json"), 400, "no body");
  // The node's own 404, carried over with its MI code and message.
  auto res = c->Put("/v1/clusters/1/nodes/9/status", R"({"status":"enabled"})",
                    "application/json");
  expect_problem(res, 404, "unknown node");
  auto j = body_of(res);
  EXPECT_EQ(j["mi_code"], 404);
  EXPECT_EQ(j["mi_message"], "Node id not found");
  res = c->Put("/v1/clusters/7/nodes/2/status", R"({"status":"enabled"})", "application/json");
  expect_problem(res, 404, "unknown cluster");
  EXPECT_EQ(body_of(res)["mi_message"], "Cluster id not found");
}

TEST_P(GatewayRoutes, Topology) {
  ASSERT_TRUE(peer_up()) << gw_->log();
  auto j = body_of(gw_->client()->Get("/v1/clusters/1/topology"));
  EXPECT_EQ(j["cluster_id"], 1);
  EXPECT_EQ(j["local_node_id"], 1);
  ASSERT_EQ(j["nodes"].size(), 2u) << j.dump();
  EXPECT_EQ(j["nodes"][0]["neighbours"], Json::array({2}));
}

TEST_P(GatewayRoutes, StatusAndReports) {
  ASSERT_TRUE(peer_up()) << gw_->log();
  auto c = gw_->client();
  auto all = body_of(c->Get("/v1/status"));
  EXPECT_EQ(all["group"], "clusterer");
  bool listed = false;
  for (const auto& i : all["identifiers"]) listed |= i["name"] == "node_states";
  EXPECT_TRUE(listed) << all.dump();

  auto one = body_of(c->Get("/v1/status/node_states"));
  EXPECT_EQ(one["readiness"], true) << one.dump();
  EXPECT_EQ(one["status"], 1);
  auto missing = c->Get("/v1/status/no_such_thing");
  expect_problem(missing, 404, "unknown identifier");
  EXPECT_EQ(body_of(missing)["mi_code"], 404);

  auto reports = body_of(c->Get("/v1/reports/node_states"));
  ASSERT_FALSE(reports["reports"].empty()) << reports.dump();
  EXPECT_NE(reports["reports"].back()["log"].get<std::string>().find("Node [2], cluster [1]"),
            std::string::npos);
  auto future = body_of(c->Get("/v1/reports/node_states?since=4102444800"));  // year 2100
  EXPECT_TRUE(future["reports"].empty()) << future.dump();
  auto past = body_of(c->Get("/v1/reports/node_states?since=0"));
  EXPECT_EQ(past["reports"].size(), reports["reports"].size());
  expect_problem(c->Get("/v1/reports/no_such_thing"), 404, "unknown report identifier");
}

TEST_P(GatewayRoutes, Statistics) {
  ASSERT_TRUE(peer_up()) << gw_->log();
  auto j = body_of(gw_->client()->Get("/v1/statistics"));
  EXPECT_EQ(j["statistics"]["clusterer:clusterer_nodes"], 1) << j.dump();
  EXPECT_EQ(j["statistics"]["clusterer:clusterer_nodes_up"], 1) << j.dump();
}

TEST_P(GatewayRoutes, UnknownRoutesLivezAndOpenapi) {
  auto c = gw_->client();
  expect_problem(c->Get("/v2/clusters"), 404, "unknown route");
  expect_problem(c->Delete("/v1/statistics"), 405, "unknown method on a route");
  auto live = c->Get("/livez");
  ASSERT_TRUE(live);
  EXPECT_EQ(live->status, 200);
  auto doc = body_of(c->Get("/openapi.json"));
  EXPECT_EQ(doc["openapi"], "3.1.0");
  for (const char* p : {"/v1/clusters", "/v1/clusters/{cid}/nodes", "/v1/clusters/{cid}/nodes/{nid}",
                        "/v1/clusters/{cid}/topology", "/v1/status", "/v1/status/{identifier}",
                        "/v1/reports/{identifier}", "/v1/statistics", "/livez", "/openapi.json"})
    EXPECT_TRUE(doc["paths"].contains(p)) << p;
  EXPECT_TRUE(doc["paths"]["/v1/clusters/{cid}/nodes/{nid}/status"].contains("put"));
}

INSTANTIATE_TEST_SUITE_P(Backends, GatewayRoutes, ::testing::Values("unix", "http"),
                         [](const auto& info) { return info.param; });

// /openapi.json (the same document as --print-openapi) has the shape of an
// OpenAPI 3.1 document: what a client generator reads is there and every
// $ref resolves.
TEST(GatewayOpenapi, IsAnOpenApi31Document) {
  auto r = run({LC_GATEWAY_BIN, "--print-openapi"}, 10s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Not const: operator[] on a missing member must give null, not fail.
  Json doc = Json::parse(r.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << r.out.substr(0, 200);
  EXPECT_EQ(doc["openapi"], "3.1.0");
  EXPECT_TRUE(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
  ASSERT_TRUE(doc["paths"].is_object());
  // Every "$ref" names a member of #/components.
  std::vector<std::string> refs;
  std::function<void(const Json&)> collect = [&](const Json& j) {
    if (j.is_object())
      for (const auto& [k, v] : j.items()) {
        if (k == "$ref" && v.is_string()) refs.push_back(v.get<std::string>());
        collect(v);
      }
    if (j.is_array())
      for (const auto& v : j) collect(v);
  };
  collect(doc);
  EXPECT_FALSE(refs.empty());
  for (const auto& ref : refs) {
    ASSERT_EQ(ref.rfind("#/components/", 0), 0u) << ref;
    EXPECT_FALSE(doc.value(Json::json_pointer(ref.substr(1)), Json()).is_null()) << ref;
  }
  std::set<std::string> operation_ids;
  const std::set<std::string> methods = {"get", "put", "post", "delete"};
  for (const auto& [path, ops] : doc["paths"].items()) {
    EXPECT_EQ(path.rfind('/', 0), 0u) << path;
    for (const auto& [method, op] : ops.items()) {
      const std::string where = method + " " + path;
      EXPECT_TRUE(methods.count(method)) << where;
      EXPECT_TRUE(operation_ids.insert(op.value("operationId", "")).second) << where;
      ASSERT_TRUE(op["responses"].is_object()) << where;
      EXPECT_TRUE(op["responses"]["200"]["description"].is_string()) << where;
      for (const auto& p : op.value("parameters", Json::array())) {
        EXPECT_TRUE(p["name"].is_string() && p["schema"].is_object()) << where << p.dump();
        EXPECT_TRUE(p["in"] == "path" || p["in"] == "query") << where << p.dump();
        if (p["in"] == "path") {
          EXPECT_EQ(p["required"], true) << where << p.dump();
          EXPECT_NE(path.find("{" + p["name"].get<std::string>() + "}"), std::string::npos)
              << where << p.dump();
        }
      }
      if (op.contains("requestBody")) {
        EXPECT_TRUE(op["requestBody"]["content"]["application/json"]["schema"].is_object())
            << where;
      }
    }
  }
  // The wait parameter states the range the routes enforce.
  for (const char* path : {"/v1/clusters/{cid}/nodes/{nid}/messages", "/v1/clusters/{cid}/messages"}) {
    Json wait;
    for (const auto& p : doc["paths"][path]["post"]["parameters"])
      if (p["name"] == "wait") wait = p;
    EXPECT_EQ(wait["schema"], Json({{"type", "integer"}, {"minimum", 0}, {"maximum", 300}}))
        << path << ": " << wait.dump();
  }
  // /readyz's 200 has a schema.
  Json ready = doc["paths"]["/readyz"]["get"]["responses"]["200"]["content"]["application/json"]
                  ["schema"];
  EXPECT_EQ(ready["required"], Json({"status"})) << ready.dump();
  EXPECT_EQ(ready["properties"]["status"]["const"], "ready") << ready.dump();
}

// ---- the node unreachable or silent ----

// A unix socket that is listened on but never accepted: connects succeed
// (the backlog takes them) and no reply ever comes.
struct SilentUnixSocket {
  std::string path;
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  explicit SilentUnixSocket(std::string p) : path(std::move(p)) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 16);
  }
  ~SilentUnixSocket() {
    ::close(fd);
    ::unlink(path.c_str());
  }
};

// The same on TCP, for the HTTP back end.
struct SilentTcpPort {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  uint16_t port = 0;
  SilentTcpPort() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 16);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~SilentTcpPort() { ::close(fd); }
};

TEST(GatewayNode, UnreachableNodeIs502AndLivezStaysUp) {
  TempDir dir;
  for (const std::string& node :
       {"unix:" + dir.path() + "/nobody.sock",
        "http://127.0.0.1:" + std::to_string(free_port()) + "/mi"}) {
    GatewayProcess gw(dir.path(), node, {});
    ASSERT_TRUE(gw.ready()) << gw.log();
    expect_problem(gw.client()->Get("/v1/clusters"), 502, node);
    EXPECT_EQ(gw.client()->Get("/livez")->status, 200);
  }
}

TEST(GatewayNode, SilentNodeIs504AfterTheMiTimeout) {
  TempDir dir;
  SilentUnixSocket unix_socket(dir.path() + "/silent.sock");
  SilentTcpPort tcp;
  for (const std::string& node : {"unix:" + unix_socket.path,
                                 "http://127.0.0.1:" + std::to_string(tcp.port) + "/mi"}) {
    GatewayProcess gw(dir.path(), node, {"--mi-timeout-ms", "300"});
    ASSERT_TRUE(gw.ready()) << gw.log();
    const auto started = std::chrono::steady_clock::now();
    expect_problem(gw.client()->Get("/v1/statistics"), 504, node);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms) << node;
  }
}

// Every request line carries its status and latency, the requests no route
// answers (404, 405, 413) too; an event stream is logged when it ends.
TEST(GatewayNode, SigtermStopsCleanlyAndLogsRequests) {
  TempDir dir;
  GatewayProcess gw(dir.path(), "unix:" + dir.path() + "/nobody.sock",
                    {"--max-body-bytes", "100", "--heartbeat-ms", "200"});
  ASSERT_TRUE(gw.ready()) << gw.log();
  gw.client()->Get("/v1/statistics");
  gw.client()->Get("/v2/nothing");
  gw.client()->Delete("/v1/statistics");
  gw.client()->Put("/v1/clusters/1/nodes/2/status", std::string(500, ' '), "application/json");
  // A stream read until its first chunk, then dropped by the client.
  gw.client()->Get("/v1/events", [](const char*, size_t) { return false; });
  const bool stream_logged = wait_for([&] {
                               return gw.log().find("GET /v1/events stream ended after ") !=
                                      std::string::npos;
                             },
                                      3s)
                                 .has_value();
  EXPECT_EQ(gw.proc().terminate(3s), 0) << gw.log();
  const auto log = gw.log();
  const std::string latency = R"( [0-9]+\.[0-9] ms)";
  for (const std::string line : {"GET /v1/statistics 502", "GET /v2/nothing 404",
                                 "DELETE /v1/statistics 405",
                                 "PUT /v1/clusters/1/nodes/2/status 413", "GET /v1/events 200"})
    EXPECT_TRUE(std::regex_search(log, std::regex(line + latency))) << line << ":\n" << log;
  EXPECT_TRUE(stream_logged) << log;
  EXPECT_TRUE(std::regex_search(log, std::regex(R"(GET /v1/events stream ended after [0-9.]+ s)")))
      << log;
  EXPECT_NE(log.find("cluster-gateway stopped"), std::string::npos) << log;
}

// ---- tokens and limits ----

class GatewayAuth : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { nodes_ = new TwoNodes(); }
  static void TearDownTestSuite() {
    delete nodes_;
    nodes_ = nullptr;
  }
  static TwoNodes* nodes_;
};
TwoNodes* GatewayAuth::nodes_ = nullptr;

TEST_F(GatewayAuth, WriteTokenGuardsWritesOnly) {
  auto token = write_file(nodes_->dir.path() + "/write.token", "s3cret-write\n", 0600);
  GatewayProcess gw(nodes_->dir.path(), nodes_->node_arg("unix"), {"--token-file", token});
  ASSERT_TRUE(gw.ready()) << gw.log();
  const std::string path = "/v1/clusters/1/nodes/2/status";
  const std::string body = R"({"status":"enabled"})";
  auto res = gw.client()->Put(path, body, "application/json");
  expect_problem(res, 401, "no token");
  EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer");
  expect_problem(gw.client("s3cret-wrong")->Put(path, body, "application/json"), 401, "bad token");
  expect_problem(gw.client("s3cret-write-and-more")->Put(path, body, "application/json"), 401,
                 "longer token");
  auto ok = gw.client("s3cret-write")->Put(path, body, "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  // The scheme is case-insensitive (RFC 9110 §11.1); the token is not.
  for (const std::string scheme : {"bearer", "BEARER", "bEaReR"}) {
    auto res = gw.client()->Put(path, {{"Authorization", scheme + " s3cret-write"}}, body,
                                "application/json");
    ASSERT_TRUE(res) << scheme;
    EXPECT_EQ(res->status, 200) << scheme << ": " << res->body;
  }
  expect_problem(gw.client()->Put(path, {{"Authorization", "bearer S3CRET-WRITE"}}, body,
                                  "application/json"),
                 401, "the token's case matters");
  expect_problem(gw.client()->Put(path, {{"Authorization", "Basic s3cret-write"}}, body,
                                  "application/json"),
                 401, "another scheme");
  EXPECT_EQ(gw.client()->Get("/v1/clusters")->status, 200);  // reads stay open
}

TEST_F(GatewayAuth, ReadTokenGuardsReads) {
  auto write = write_file(nodes_->dir.path() + "/w2.token", "the-write-token", 0600);
  auto read = write_file(nodes_->dir.path() + "/r2.token", "the-read-token", 0640);
  GatewayProcess gw(nodes_->dir.path(), nodes_->node_arg("unix"),
                    {"--token-file", write, "--read-token-file", read});
  ASSERT_TRUE(gw.ready()) << gw.log();
  expect_problem(gw.client()->Get("/v1/clusters"), 401, "read without token");
  EXPECT_EQ(gw.client("the-read-token")->Get("/v1/clusters")->status, 200);
  EXPECT_EQ(gw.client("the-write-token")->Get("/v1/clusters")->status, 200);
  expect_problem(gw.client("the-read-token")
                     ->Put("/v1/clusters/1/nodes/2/status", R"({"status":"enabled"})",
                           "application/json"),
                 401, "write with the read token");
  EXPECT_EQ(gw.client()->Get("/livez")->status, 200);  // public
  EXPECT_EQ(gw.client()->Get("/openapi.json")->status, 200);
}

TEST_F(GatewayAuth, WorldReadableOrEmptyTokenFileRefusesToStart) {
  auto open_file = write_file(nodes_->dir.path() + "/open.token", "tok", 0644);
  auto r = run(gateway_argv(nodes_->node_arg("unix"), free_port(), {"--token-file", open_file}),
               5s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE((r.out + r.err).find("chmod o-rw"), std::string::npos) << r.out << r.err;

  auto empty = write_file(nodes_->dir.path() + "/empty.token", "\n", 0600);
  r = run(gateway_argv(nodes_->node_arg("unix"), free_port(), {"--read-token-file", empty}), 5s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE((r.out + r.err).find("is empty"), std::string::npos) << r.out << r.err;

  r = run(gateway_argv("tcp:1.2.3.4", free_port(), {}), 5s);
  EXPECT_EQ(r.exit_code, 2) << "a --node that is neither unix: nor http://";
}

TEST_F(GatewayAuth, OversizeBodyIs413) {
  GatewayProcess gw(nodes_->dir.path(), nodes_->node_arg("unix"), {"--max-body-bytes", "100"});
  ASSERT_TRUE(gw.ready()) << gw.log();
  std::string big = R"({"status":"enabled","pad":")" + std::string(500, 'x') + "\"}";
  expect_problem(gw.client()->Put("/v1/clusters/1/nodes/2/status", big, "application/json"), 413,
                 "oversize body");
}

}  // namespace
}  // namespace lc::itest
