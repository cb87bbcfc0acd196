// Real clusterd processes on loopback, driven with nodectl, as an operator
// would. Timers: ping_interval 1 s, ping_timeout 500 ms, node_timeout 3 s.
// Every wait is bounded.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
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
using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

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

// Polls each condition on its own thread (one node's slow answer must not
// delay the other's) until it holds, or until `limit` after `t0`; returns
// for each how long after `t0` it was first seen to hold (nothing if never).
std::vector<std::optional<Millis>> first_seen(const std::vector<std::function<bool()>>& conds,
                                              Clock::time_point t0, Millis limit) {
  std::vector<std::optional<Millis>> seen(conds.size());
  const Millis left = limit - std::chrono::duration_cast<Millis>(Clock::now() - t0);
  std::vector<std::thread> pollers;
  for (std::size_t i = 0; i < conds.size(); ++i)
    pollers.emplace_back([&, i] {
      if (wait_for(conds[i], left)) seen[i] = std::chrono::duration_cast<Millis>(Clock::now() - t0);
    });
  for (auto& t : pollers) t.join();
  return seen;
}

// When the last line of a node's text log containing `text` was written
// (its "YYYY-MM-DD HH:MM:SS.mmm" local time stamp); nothing if no line does.
std::optional<std::chrono::system_clock::time_point> logged_at(const std::string& log,
                                                               const std::string& text) {
  std::optional<std::chrono::system_clock::time_point> at;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    std::tm tm{};
    int ms = 0;
    if (line.find(text) == std::string::npos ||
        std::sscanf(line.c_str(), "%d-%d-%d %d:%d:%d.%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
      continue;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_isdst = -1;
    at = std::chrono::system_clock::from_time_t(std::mktime(&tm)) + Millis(ms);
  }
  return at;
}

// `node` logged `text` less than `bound` after `since`. How soon a node saw
// a change is read from its log: a nodectl run on a loaded host can itself
// take longer than the bound.
void expect_logged_within(NodeProcess& node, const std::string& text,
                          std::chrono::system_clock::time_point since, Millis bound) {
  auto at = logged_at(node.log(), text);
  ASSERT_TRUE(at) << "node " << node.id() << " never logged " << text << "\n" << node.log();
  EXPECT_LT(*at - since, bound) << "node " << node.id() << " logged " << text << " "
                                << std::chrono::duration_cast<Millis>(*at - since).count()
                                << " ms later\n" << node.log();
}

// Both peers of `gone` in the mesh see its link reach `state`: how long
// after `t0` each did (node a, then node b), nothing for one that did not
// within `limit`.
std::vector<std::optional<Millis>> peers_see(Mesh& m, int gone, const std::string& state,
                                             Clock::time_point t0, Millis limit) {
  std::vector<std::function<bool()>> conds;
  for (Node* n : {m.n1.get(), m.n2.get(), m.n3.get()})
    if (n->id() != gone) conds.push_back([n, gone, state] { return n->field(gone, "link_state") == state; });
  return first_seen(conds, t0, limit);
}

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
  const auto killed = std::chrono::system_clock::now();
  m.n3->proc().kill9();
  // Seen Down by both, as an operator sees it (nodectl), and soon enough by
  // their logs: node 3 unreachable (the logged NODE_DOWN) comes no sooner
  // than the link Down that causes it.
  auto down = peers_see(m, 3, "Down", Clock::now(), 3s);
  Node* survivors[] = {m.n1.get(), m.n2.get()};
  for (std::size_t i = 0; i < down.size(); ++i) {
    ASSERT_TRUE(down[i]) << "node " << i + 1 << " never saw node 3 Down\n" << survivors[i]->log();
    expect_logged_within(*survivors[i], "node 3 in cluster 1 is DOWN", killed, 500ms);
  }
  EXPECT_EQ(m.n1->field(3, "next_hop"), "none");

  // From the restart of the process, its start-up included; read from the
  // survivors' logs like the Down bound (nodectl's own run is not counted).
  const auto restart = std::chrono::system_clock::now();
  m.n3->start();
  auto up = peers_see(m, 3, "Up", Clock::now(), 4s);
  for (std::size_t i = 0; i < up.size(); ++i) {
    ASSERT_TRUE(up[i]) << "node " << i + 1 << " never saw node 3 Up\n" << m.n3->log();
    expect_logged_within(*survivors[i], "node 3 in cluster 1 is UP", restart, 2000ms);
  }
  auto reports = Json::parse(m.n1->ctl({"mi", "sr_list_reports", "clusterer", "node_states"}).out);
  ASSERT_GE(reports.size(), 4u);
  EXPECT_EQ(reports[reports.size() - 2]["Log"], "Node [3], cluster [1] is DOWN");
  EXPECT_EQ(reports.back()["Log"], "Node [3], cluster [1] is UP");
}

// SIGTERM and SIGINT (Ctrl-C) stop a node gracefully: it closes its
// connections, so both peers see it Down at once, and it exits 0.
void expect_graceful_stop(int signal) {
  Mesh m;
  ASSERT_TRUE(wait_for([&] { return m.all_up(); }, 5s));
  const auto sent = std::chrono::system_clock::now();
  ASSERT_EQ(::kill(m.n2->proc().pid(), signal), 0);
  auto down = peers_see(m, 2, "Down", Clock::now(), 3s);
  Node* peers[] = {m.n1.get(), m.n3.get()};
  for (std::size_t i = 0; i < down.size(); ++i) {
    ASSERT_TRUE(down[i]) << "node " << peers[i]->id() << " never saw node 2 Down\n" << m.n2->log();
    expect_logged_within(*peers[i], "node 2 in cluster 1 is DOWN", sent, 500ms);
  }
  ASSERT_TRUE(wait_for([&] { return !m.n2->proc().running(); }, 5s)) << "still running";
  EXPECT_EQ(m.n2->proc().terminate(), 0) << "exit status";  // the exit already seen
  EXPECT_NE(m.n2->log().find("stopping on signal " + std::to_string(signal)), std::string::npos)
      << m.n2->log();
}

TEST(integration, GracefulStopIsSeenAtOnce) { expect_graceful_stop(SIGTERM); }

TEST(integration, InterruptIsAGracefulStopToo) { expect_graceful_stop(SIGINT); }

TEST(integration, MiSocketIsPrivate) {
  TempDir dir;
  Node n(dir, 1, free_port(), {});
  struct stat st {};
  ASSERT_EQ(::stat(n.socket().c_str(), &st), 0) << n.log();
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// At log level info a node writes its start-up line and one line per link
// change, nothing per ping or per MI call: two nodes over a few ping
// intervals, then one stops.
TEST(integration, InfoLogHasOneLinePerChangeAndNoNoise) {
  TempDir dir;
  const uint16_t p1 = free_port(), p2 = free_port();
  Node n1(dir, 1, p1, {{2, p2}}, {"--log_level", "info"});
  Node n2(dir, 2, p2, {{1, p1}}, {"--log_level", "info"});
  ASSERT_TRUE(wait_for([&] { return n1.field(2, "link_state") == "Up"; }, 5s)) << n1.log();
  std::this_thread::sleep_for(3500ms);  // three keep-alives and more
  EXPECT_EQ(n2.proc().terminate(), 0);
  ASSERT_TRUE(wait_for([&] { return n1.field(2, "link_state") == "Down"; }, 3s));
  EXPECT_EQ(n1.proc().terminate(), 0);
  std::vector<std::string> lines;  // without the date and time
  std::istringstream log(n1.log());
  for (std::string line; std::getline(log, line);) {
    auto time_end = line.find(' ', line.find(' ') + 1);
    lines.push_back(time_end == std::string::npos ? line : line.substr(time_end + 1));
  }
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "info clusterd node 1 listening on bin:127.0.0.1:" + std::to_string(p1) +
                           ", MI on " + n1.socket(),
                       "info node 2 in cluster 1 is UP",
                       "info node 2 in cluster 1 is DOWN",
                       "info stopping on signal 15",
                       "info clusterd stopped",
                   }))
      << n1.log();
}

// `nodectl events -o json` on a node, into a file of the test's directory.
class EventFollower {
 public:
  EventFollower(const TempDir& dir, NodeProcess& node)
      : path_(dir.path() + "/events" + std::to_string(node.id()) + ".jsonl"),
        proc_({LC_NODECTL_BIN, "-s", node.socket(), "-o", "json", "events"}, path_) {}

  // The first E_CLUSTERER_REQ_RECEIVED carrying `msg`, waiting at most `limit`.
  std::optional<Json> request(const std::string& msg, Millis limit) {
    std::optional<Json> found;
    wait_for(
        [&] {
          std::ifstream f(path_);
          for (std::string line; std::getline(f, line);) {
            auto j = Json::parse(line, nullptr, false);
            if (!j.is_discarded() && j["event"] == "E_CLUSTERER_REQ_RECEIVED" && j["msg"] == msg) {
              found = j;
              return true;
            }
          }
          return false;
        },
        limit);
    return found;
  }
  // Proves the subscription is live (nodectl subscribes some time after it
  // starts, later still on a loaded machine): `sender` sends this node
  // requests until one shows up here. Bounded: 20 tries.
  bool subscribed(NodeProcess& sender, int node_id) {
    for (int i = 0; i < 20; ++i) {
      const std::string msg = "subscribed? " + std::to_string(i);
      sender.ctl({"send_req", "1", std::to_string(node_id), msg});
      if (request(msg, 300ms)) return true;
    }
    return false;
  }
  std::string text() const {
    std::ifstream f(path_);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }

 private:
  std::string path_;
  Process proc_;
};

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
  EventFollower events(l.dir, *l.n3);
  ASSERT_TRUE(events.subscribed(*l.n1, 3)) << events.text();
  RunResult req;
  std::thread asker([&] {
    req = run({LC_NODECTL_BIN, "-s", l.n1->socket(), "-o", "json", "send_req", "1", "3",
               "hello", "--wait", "10"});
  });
  auto got = events.request("hello", 8s);
  if (!got) {
    asker.join();
    FAIL() << "node 3 never got the request; send_req said: " << req.out << req.err
           << "\nevents:\n" << events.text() << "\nnode 1:\n" << l.n1->log() << "\nnode 3:\n"
           << l.n3->log();
  }
  EXPECT_EQ((*got)["src_id"], 1);
  const std::string tag = (*got)["tag"];
  EXPECT_EQ(l.n3->ctl({"send_rpl", "1", "1", "pong", tag}).exit_code, 0);
  asker.join();
  EXPECT_EQ(req.exit_code, 0) << req.err;
  auto reply = Json::parse(req.out, nullptr, false);
  ASSERT_FALSE(reply.is_discarded()) << req.out;
  EXPECT_EQ(reply["tag"], tag);
  EXPECT_EQ(reply["replies"]["3"], "pong");

  l.proxy13.heal();
  l.proxy31.heal();
}

TEST(integration, SendReqWaitTimesOutWithoutAReply) {
  TempDir dir;
  const uint16_t p1 = free_port(), p2 = free_port();
  Node n1(dir, 1, p1, {{2, p2}}), n2(dir, 2, p2, {{1, p1}});
  ASSERT_TRUE(wait_for([&] { return n1.field(2, "link_state") == "Up"; }, 5s)) << n1.log();
  const auto t0 = Clock::now();
  auto r = n1.ctl({"send_req", "1", "2", "hello", "--wait", "1"});
  const auto took = Clock::now() - t0;
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("no reply within 1 s"), std::string::npos) << r.err;
  EXPECT_GE(took, 1s);
  EXPECT_LT(took, 5s);
  auto out = Json::parse(r.out, nullptr, false);
  ASSERT_FALSE(out.is_discarded()) << r.out;
  EXPECT_FALSE(out["tag"].get<std::string>().empty()) << "the request went out";
  ASSERT_TRUE(out.contains("replies")) << r.out;
  EXPECT_TRUE(out["replies"].empty()) << r.out;
}

// Both peers answer a broadcast (send_rpl, as a script would); nodectl
// prints the replies by node id once every reachable node has answered.
TEST(integration, BroadcastReqWaitCollectsEveryReply) {
  Mesh m;
  ASSERT_TRUE(wait_for([&] { return m.all_up(); }, 5s));
  EventFollower ev2(m.dir, *m.n2), ev3(m.dir, *m.n3);
  ASSERT_TRUE(ev2.subscribed(*m.n1, 2)) << ev2.text();
  ASSERT_TRUE(ev3.subscribed(*m.n1, 3)) << ev3.text();
  RunResult req;
  std::thread asker([&] {
    req = run({LC_NODECTL_BIN, "-s", m.n1->socket(), "-o", "json", "broadcast_req", "1", "hello",
               "--wait", "8"});
  });
  std::string tag;
  for (auto [events, node] : {std::pair{&ev2, m.n2.get()}, std::pair{&ev3, m.n3.get()}}) {
    auto got = events->request("hello", 6s);
    if (!got) {
      asker.join();
      FAIL() << "node " << node->id() << " never got the broadcast; nodectl said: " << req.out
             << req.err << "\nevents:\n" << events->text();
    }
    EXPECT_EQ((*got)["src_id"], 1);
    tag = (*got)["tag"];
    const std::string answer = "pong" + std::to_string(node->id());
    EXPECT_EQ(node->ctl({"send_rpl", "1", "1", answer, tag}).exit_code, 0);
  }
  asker.join();
  EXPECT_EQ(req.exit_code, 0) << req.err;
  auto reply = Json::parse(req.out, nullptr, false);
  ASSERT_FALSE(reply.is_discarded()) << req.out;
  EXPECT_EQ(reply["tag"], tag);
  EXPECT_EQ(reply["replies"], Json::parse(R"({"2": "pong2", "3": "pong3"})")) << req.out;
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
  EXPECT_NE(r.err.find("unknown command 'no_such_command'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nodectl --help"), std::string::npos) << r.err;
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

// `stats` alone is `get_statistics all`.
TEST(integration, StatsWithoutArgumentsShowsEverything) {
  TempDir dir;
  Node n(dir, 1, free_port(), {});
  auto r = n.ctl({"stats"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto all = n.ctl({"stats", "all"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  auto keys = [](const std::string& out) {
    std::vector<std::string> k;
    const Json j = Json::parse(out);
    for (const auto& [name, v] : j.items()) k.push_back(name);
    return k;
  };
  EXPECT_EQ(keys(r.out), keys(all.out));
  EXPECT_TRUE(Json::parse(r.out).contains("clusterer:clusterer_nodes")) << r.out;
  EXPECT_EQ(n.ctl({"stats"}, "table").exit_code, 0);
}

// A loopback port that listens but never accepts: tells whether anyone
// tried to connect.
class SilentListener {
 public:
  SilentListener() : port_(free_port()), fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd_, 4) == 0;
  }
  ~SilentListener() { ::close(fd_); }
  bool ok() const { return ok_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/mi"; }
  bool connection_pending() const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }

 private:
  uint16_t port_;
  int fd_;
  bool ok_ = false;
};

TEST(integration, NodectlOverHttpErrors) {
  // Nothing listens there: a connection error that says what to check.
  const std::string nowhere = "http://127.0.0.1:" + std::to_string(free_port()) + "/mi";
  auto r = run({LC_NODECTL_BIN, "-u", nowhere, "list"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(nowhere), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("is clusterd running"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("mi_http"), std::string::npos) << r.err;
  // Event streams need the unix socket: refused before anything is sent.
  SilentListener node;
  ASSERT_TRUE(node.ok());
  for (std::vector<std::string> args : {std::vector<std::string>{"send_req", "1", "2", "x", "--wait", "1"},
                                        {"broadcast_req", "1", "x", "--wait", "1"},
                                        {"events"}}) {
    std::vector<std::string> argv = {LC_NODECTL_BIN, "-u", node.url()};
    argv.insert(argv.end(), args.begin(), args.end());
    r = run(argv, 5s);
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_NE(r.err.find("use -s SOCKET"), std::string::npos) << args[0] << ": " << r.err;
    EXPECT_FALSE(node.connection_pending()) << args[0] << " connected before refusing";
  }
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
