// Real clusterd processes on loopback, driven with nodectl, as an operator
// would. Timers: ping_interval 1 s, ping_timeout 500 ms, node_timeout 3 s.
// Every wait is bounded.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "node_process.h"
#include "polling.h"
#include "process.h"
#include "proxy.h"

namespace lc::itest {
namespace {

using namespace std::chrono_literals;
using lc::test::free_port;
using lc::test::wait_for;

// A db_mode 0 node of cluster 1 with static neighbours (node_process.h).
class Node : public NodeProcess {
 public:
  // `peers`: (node id, port this node uses to reach it).
  // `host`: "127.0.0.1" or "[::1]", for this node's URL and its peers'.
  Node(const TempDir& dir, int id, uint16_t port, std::vector<std::pair<int, uint16_t>> peers,
       std::vector<std::string> extra = {}, std::string host = "127.0.0.1")
      : NodeProcess(dir.path(), id, flags(port, std::move(peers), std::move(extra), host)) {}

 private:
  static std::vector<std::string> flags(uint16_t port, std::vector<std::pair<int, uint16_t>> peers,
                                        std::vector<std::string> extra, const std::string& host) {
    StaticNode spec;
    spec.host = host;
    spec.port = port;
    spec.peers = std::move(peers);
    auto f = static_node_flags(spec);
    f.insert(f.end(), extra.begin(), extra.end());
    return f;
  }
};

struct Mesh {
  TempDir dir;
  uint16_t p1 = free_port(), p2 = free_port(), p3 = free_port();
  std::unique_ptr<Node> n1, n2, n3;
  Mesh() {
    n1 = std::make_unique<Node>(dir, 1, p1, std::vector<std::pair<int, uint16_t>>{{2, p2}, {3, p3}});
    n2 = std::make_unique<Node>(dir, 2, p2, std::vector<std::pair<int, uint16_t>>{{1, p1}, {3, p3}});
    n3 = std::make_unique<Node>(dir, 3, p3, std::vector<std::pair<int, uint16_t>>{{1, p1}, {2, p2}});
  }
  bool all_up() {
    for (Node* n : {n1.get(), n2.get(), n3.get()}) {
      auto m = n->nodes();
      if (m.size() != 2) return false;
      for (auto& [id, v] : m)
        if (v["link_state"] != "Up") return false;
    }
    return true;
  }
};

TEST(integration, MeshFormsAndNodectlShowsIt) {
  Mesh m;
  ASSERT_TRUE(wait_for([&] { return m.all_up(); }, 5s)) << m.n1->log();
  auto r = m.n1->ctl({"list"});
  EXPECT_EQ(r.exit_code, 0);
  auto j = Json::parse(r.out);
  ASSERT_EQ(j["Clusters"].size(), 1u);
  const auto& n = j["Clusters"][0]["Nodes"][0];
  // The exact clusterer_list shape of OpenSIPS 3.6.8.
  std::vector<std::string> keys;
  for (auto& [k, v] : n.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"node_id", "db_id", "url", "link_state", "state",
                                            "next_hop", "description"}));
  auto table = m.n1->ctl({"list"}, "table");
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.find("NEXT_HOP"), std::string::npos);
  auto topo = m.n1->ctl({"topology"});
  EXPECT_EQ(topo.exit_code, 0);
  EXPECT_EQ(Json::parse(topo.out)["Clusters"][0]["Nodes"].size(), 3u);
}

TEST(integration, KilledNodeIsSeenDownAtOnceAndUpAfterRestart) {
  Mesh m;
  ASSERT_TRUE(wait_for([&] { return m.all_up(); }, 5s));
  m.n3->proc().kill9();
  auto down = wait_for([&] { return m.n1->field(3, "link_state") == "Down"; }, 3s);
  ASSERT_TRUE(down) << m.n1->log();
  EXPECT_LT(down->count(), 500) << "seen Down after " << down->count() << " ms";
  EXPECT_EQ(m.n1->field(3, "next_hop"), "none");
  EXPECT_TRUE(wait_for([&] { return m.n2->field(3, "link_state") == "Down"; }, 1s));

  m.n3->start();
  auto up = wait_for([&] { return m.n1->field(3, "link_state") == "Up"; }, 4s);
  ASSERT_TRUE(up) << m.n1->log();
  EXPECT_LT(up->count(), 2000) << "Up again after " << up->count() << " ms";
  auto reports = Json::parse(m.n1->ctl({"mi", "sr_list_reports", "clusterer", "node_states"}).out);
  ASSERT_GE(reports.size(), 4u);
  EXPECT_EQ(reports[reports.size() - 2]["Log"], "Node [3], cluster [1] is DOWN");
  EXPECT_EQ(reports.back()["Log"], "Node [3], cluster [1] is UP");
}

TEST(integration, GracefulStopIsSeenAtOnce) {
  Mesh m;
  ASSERT_TRUE(wait_for([&] { return m.all_up(); }, 5s));
  EXPECT_EQ(m.n2->proc().terminate(), 0);
  auto down = wait_for([&] { return m.n1->field(2, "link_state") == "Down"; }, 3s);
  ASSERT_TRUE(down);
  EXPECT_LT(down->count(), 500);
}

// 1-2-3 in a line: 1 and 3 reach each other through relays we can cut.
struct Line {
  TempDir dir;
  uint16_t p1 = free_port(), p2 = free_port(), p3 = free_port();
  uint16_t to3 = free_port(), to1 = free_port();  // proxies 1->3 and 3->1
  Proxy proxy13{to3, p3}, proxy31{to1, p1};
  std::unique_ptr<Node> n1, n2, n3;
  Line() {
    n1 = std::make_unique<Node>(dir, 1, p1, std::vector<std::pair<int, uint16_t>>{{2, p2}, {3, to3}});
    n2 = std::make_unique<Node>(dir, 2, p2, std::vector<std::pair<int, uint16_t>>{{1, p1}, {3, p3}});
    n3 = std::make_unique<Node>(dir, 3, p3, std::vector<std::pair<int, uint16_t>>{{1, to1}, {2, p2}});
  }
};

TEST(integration, CutLinkReroutesThroughTheRelay) {
  Line l;
  ASSERT_TRUE(wait_for([&] { return l.n1->field(3, "link_state") == "Up"; }, 5s));
  ASSERT_TRUE(wait_for([&] { return l.n2->field(1, "link_state") == "Up" &&
                                    l.n2->field(3, "link_state") == "Up"; }, 5s));
  l.proxy13.cut();
  l.proxy31.cut();
  ASSERT_TRUE(wait_for([&] { return l.n1->field(3, "next_hop") == "2"; }, 8s)) << l.n1->log();
  EXPECT_NE(l.n1->field(3, "link_state"), "Up");

  // Node 3 follows its events; node 1 sends a request and waits for the reply.
  const std::string events_log = l.dir.path() + "/events3.jsonl";
  Process events({LC_NODECTL_BIN, "-s", l.n3->socket(), "-o", "json", "events"}, events_log);
  // Time for nodectl to start and subscribe, with room for slow builds
  // (sanitizers) on a loaded machine.
  std::this_thread::sleep_for(1s);
  RunResult req;
  std::thread asker([&] {
    req = run({LC_NODECTL_BIN, "-s", l.n1->socket(), "-o", "json", "send_req", "1", "3",
               "hello", "--wait", "10"});
  });
  std::string tag;
  wait_for(
      [&] {
        std::ifstream f(events_log);
        for (std::string line; std::getline(f, line);) {
          auto j = Json::parse(line, nullptr, false);
          if (!j.is_discarded() && j["event"] == "E_CLUSTERER_REQ_RECEIVED" && j["msg"] == "hello") {
            EXPECT_EQ(j["src_id"], 1);
            tag = j["tag"];
            return true;
          }
        }
        return false;
      },
      8s);
  if (tag.empty()) {
    asker.join();
    std::ifstream f(events_log);
    FAIL() << "node 3 never got the request; send_req said: " << req.out << req.err
           << "\nevents:\n" << std::string(std::istreambuf_iterator<char>(f), {})
           << "\nnode 1:\n" << l.n1->log() << "\nnode 3:\n" << l.n3->log();
  }
  EXPECT_EQ(l.n3->ctl({"send_rpl", "1", "1", "pong", tag}).exit_code, 0);
  asker.join();
  EXPECT_EQ(req.exit_code, 0) << req.err;
  auto reply = Json::parse(req.out, nullptr, false);
  ASSERT_FALSE(reply.is_discarded()) << req.out;
  EXPECT_EQ(reply["tag"], tag);
  EXPECT_EQ(reply["replies"]["3"], "pong");
  events.kill9();

  l.proxy13.heal();
  l.proxy31.heal();
}

TEST(integration, SetStatusAndRemoveNode) {
  Mesh m;
  ASSERT_TRUE(wait_for([&] { return m.all_up(); }, 5s));
  EXPECT_EQ(m.n1->ctl({"set_status", "1", "2", "0"}).exit_code, 0);
  EXPECT_EQ(m.n1->field(2, "state"), "disabled");
  EXPECT_EQ(m.n1->field(2, "link_state"), "Down");
  EXPECT_EQ(m.n1->ctl({"set_status", "1", "2", "1"}).exit_code, 0);
  EXPECT_TRUE(wait_for([&] { return m.n1->field(2, "link_state") == "Up"; }, 3s));

  EXPECT_EQ(m.n1->ctl({"remove_node", "1", "3"}).exit_code, 0);
  EXPECT_EQ(m.n1->nodes().count(3), 0u);
  // The removed node disables itself: every link Down, next hop none.
  EXPECT_TRUE(wait_for([&] { return m.n3->field(1, "link_state") == "Down"; }, 2s));
  EXPECT_EQ(m.n3->field(1, "next_hop"), "none");
}

TEST(integration, NodectlErrorsAndExitCodes) {
  Mesh m;
  auto r = m.n1->ctl({"set_status", "9", "1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Cluster id not found"), std::string::npos) << r.err;
  r = m.n1->ctl({"set_status", "1"});
  EXPECT_EQ(r.exit_code, 2) << "usage error";
  r = m.n1->ctl({"no_such_command"});
  EXPECT_EQ(r.exit_code, 2);
  r = run({LC_NODECTL_BIN, "-s", m.dir.path() + "/missing.sock", "list"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.sock"), std::string::npos);
  r = m.n1->ctl({"mi", "nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Method not found"), std::string::npos);
  r = m.n1->ctl({"check_addr", "1", "127.0.0.1", "bin"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(Json::parse(r.out)["match"], true);
}

// One raw HTTP/1.1 exchange on 127.0.0.1; returns the status line.
std::string http_status(uint16_t port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "connect failed";
  }
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string reply;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return reply.substr(0, reply.find("\r\n"));
}

std::string post(const std::string& body) {
  return "POST /mi HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

TEST(integration, MiOverHttpLikeOpenSipsMiHttp) {
  TempDir dir;
  const uint16_t port = free_port(), http = free_port();
  Node n(dir, 1, port, {}, {"--mi_http", "127.0.0.1:" + std::to_string(http)});
  ASSERT_TRUE(wait_for([&] { return http_status(http, post("{}")) != "connect failed"; }, 3s));
  EXPECT_EQ(http_status(http, "GET /mi HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"),
            "HTTP/1.1 405 Method Not Allowed");
  EXPECT_EQ(http_status(http, post("")), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(http_status(http, post(R"({"jsonrpc":"2.0","method":"clusterer_list"})")),
            "HTTP/1.1 202 Accepted") << "a notification gets no body";
  EXPECT_EQ(http_status(http, post(R"({"jsonrpc":"2.0","method":"nope","id":1})")),
            "HTTP/1.1 200 OK") << "JSON-RPC errors are HTTP 200";
  auto r = run({LC_NODECTL_BIN, "-u", "http://127.0.0.1:" + std::to_string(http) + "/mi", "-o",
                "json", "list"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Json::parse(r.out)["Clusters"][0]["cluster_id"], 1);
}

// A free TCP port on ::1, or 0 when the host has no IPv6 loopback.
uint16_t free_port_v6() {
  int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    if (fd >= 0) ::close(fd);
    return 0;
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin6_port);
}

TEST(integration, TwoNodesOverIpv6Loopback) {
  const uint16_t p1 = free_port_v6(), p2 = free_port_v6();
  if (p1 == 0 || p2 == 0) GTEST_SKIP() << "no IPv6 loopback on this host";
  TempDir dir;
  auto n1 = std::make_unique<Node>(dir, 1, p1, std::vector<std::pair<int, uint16_t>>{{2, p2}},
                                   std::vector<std::string>{}, "[::1]");
  auto n2 = std::make_unique<Node>(dir, 2, p2, std::vector<std::pair<int, uint16_t>>{{1, p1}},
                                   std::vector<std::string>{}, "[::1]");
  ASSERT_TRUE(wait_for([&] { return n1->field(2, "link_state") == "Up"; }, 5s)) << n1->log();
  EXPECT_TRUE(wait_for([&] { return n2->field(1, "link_state") == "Up"; }, 5s));
  EXPECT_EQ(n1->field(2, "url"), "bin:[::1]:" + std::to_string(p2));
}

// --log_format json: every line a JSON object; log_level over MI (nodectl)
// changes the level at run time, as OpenSIPS operators do it.
TEST(integration, JsonLogLinesAndLogLevelAtRunTime) {
  TempDir dir;
  Node n(dir, 1, free_port(), {}, {"--log_format", "json"});
  auto r = n.ctl({"log_level"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto procs = Json::parse(r.out);
  EXPECT_EQ(procs["Processes"][0]["Log level"], 4) << r.out;  // the tests' debug level
  EXPECT_EQ(procs["Processes"][0]["PID"], n.proc().pid());
  r = n.ctl({"log_level", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Json::parse(r.out)["New global log level"], 3);
  EXPECT_EQ(n.ctl({"log_level", "7"}).exit_code, 1) << "a level OpenSIPS does not have";
  // At error level the change's own warning line is not written.
  ASSERT_EQ(n.ctl({"log_level", "-1"}).exit_code, 0);
  EXPECT_EQ(Json::parse(n.ctl({"log_level"}).out)["Processes"][0]["Log level"], -1);
  EXPECT_EQ(n.proc().terminate(5s), 0);
  std::istringstream log(n.log());
  int lines = 0;
  bool told_info = false, told_error = false;
  for (std::string line; std::getline(log, line);) {
    auto j = Json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object() && j.contains("time") && j.contains("level") && j.contains("msg"))
        << "not a JSON log line: " << line;
    EXPECT_EQ(j["logger"], "clusterd");
    ++lines;
    const auto msg = j["msg"].get<std::string>();
    told_info |= msg.find("log level set to 3 (info)") != std::string::npos;
    told_error |= msg.find("log level set to -1") != std::string::npos;
  }
  EXPECT_GE(lines, 2);
  EXPECT_TRUE(told_info) << n.log();
  EXPECT_FALSE(told_error) << n.log();
  r = run({LC_CLUSTERD_BIN, "--my_node_id", "1", "--db_mode", "0", "--socket",
           "bin:127.0.0.1:1", "--log_format", "xml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("log_format"), std::string::npos) << r.err;
}

TEST(integration, ConfigErrorsExitTwo) {
  auto r = run({LC_CLUSTERD_BIN, "--my_node_id", "0", "--db_mode", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("my_node_id"), std::string::npos) << r.err;
  r = run({LC_CLUSTERD_BIN, "--no_such_key", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no_such_key"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace lc::itest
