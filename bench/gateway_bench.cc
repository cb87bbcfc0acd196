// cluster-gateway throughput and latency (docs/benchmarks.md, "cluster-gateway"):
//
//  * GET /v1/clusters through the gateway beside the same clusterer_list
//    sent straight to clusterd's mi_http (POST /mi), so the difference is
//    what the gateway costs (one more HTTP hop, a unix MI call, reshaping);
//  * POST /v1/clusters/1/nodes/2/messages?wait=5: a cluster_send_req from
//    node 1 that node 2 answers; the bench plays node 2's application: it
//    subscribes to node 2's MI events and answers each E_CLUSTERER_REQ_RECEIVED
//    with cluster_send_rpl, and the gateway waits for the reply event;
//  * GET /readyz and GET /metrics, what probes and scrapes cost.
//
// Two clusterd children (db_mode 0, node 1 with mi_http) and one gateway
// child on free loopback ports, in a temporary directory; each case runs
// `--seconds` per concurrency level, every client on its own keep-alive
// connection, and every answer is checked. Children are stopped on exit.
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "mi_backend.h"
#include "polling.h"
#include "process.h"

namespace {

using lc::gateway::Json;
using lc::gateway::MiOutcome;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using lc::itest::Process;
using lc::itest::TempDir;
using lc::test::free_port;

struct Params {
  std::string clusterd = LC_CLUSTERD_BIN;
  std::string gateway = LC_GATEWAY_BIN;
  double seconds = 3.0;
  std::vector<int> concurrency = {1, 4};
  // clusterd's mi_http answers keep-alive clients after the delayed ACK
  // (Nagle, ~40 ms), so both connection modes are measured.
  std::vector<bool> keep_alive = {true, false};
};

// Node 2's event stream: the subscription's notifications, one per line.
class EventLines {
 public:
  explicit EventLines(const std::string& path) : fd_(lc::gateway::connect_unix(path, &error_)) {
    // Short, so the answering loop sees the stop flag.
    timeval tv{0, 200 * 1000};
    if (fd_ >= 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~EventLines() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool subscribe() {
    const std::string s = R"({"jsonrpc":"2.0","method":"subscribe","id":1})" "\n";
    return fd_ >= 0 &&
           ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
  }
  // The next line; nothing on a timeout or a closed socket (*closed set).
  std::optional<std::string> read_line(bool* closed) {
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      char tmp[16384];
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) *closed = true;
      if (n <= 0) return std::nullopt;
      buf_.append(tmp, static_cast<std::size_t>(n));
    }
  }

 private:
  std::string error_;
  int fd_;
  std::string buf_;
};

// Node 2's application: answers every request it receives, until stopped.
class Answerer {
 public:
  explicit Answerer(const std::string& socket)
      : events_(socket), node_(lc::gateway::make_backend("unix:" + socket, &error_)) {
    ok_ = node_ && events_.subscribe();
    if (ok_) thread_ = std::thread([this] { loop(); });
  }
  ~Answerer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  bool ok() const { return ok_; }
  uint64_t answered() const { return answered_; }

 private:
  void loop() {
    bool closed = false;
    while (!stop_ && !closed) {
      auto line = events_.read_line(&closed);
      if (!line) continue;
      auto j = Json::parse(*line, nullptr, false);
      if (j.is_discarded() || j.value("method", "") != "E_CLUSTERER_REQ_RECEIVED") continue;
      answer(j["params"]);
    }
  }
  void answer(const Json& req) {
    Json params{{"cluster_id", req.value("cluster_id", 1)},
                {"dst_id", req.value("src_id", 0)},
                {"msg", "re: " + req.value("msg", std::string())},
                {"tag", req.value("tag", std::string())}};
    if (node_->call("cluster_send_rpl", params, 5000ms).kind == MiOutcome::Kind::kResult)
      ++answered_;
  }

  std::string error_;
  EventLines events_;
  std::unique_ptr<lc::gateway::MiBackend> node_;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> answered_{0};
  std::thread thread_;
};

// One request on a client's connection; false: a wrong or missing answer.
using Request = std::function<bool(httplib::Client&)>;

struct Case {
  std::string name;
  uint16_t port;
  Request request;
};

struct Figures {
  uint64_t requests = 0, failures = 0;
  double seconds = 0;
  std::vector<double> latencies_us;
};

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[i];
}

Figures measure(const Case& c, int conns, bool keep_alive, double seconds) {
  std::vector<Figures> per(conns);
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(seconds));
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < conns; ++i)
    threads.emplace_back([&, i] {
      httplib::Client client("127.0.0.1", c.port);
      client.set_keep_alive(keep_alive);
      client.set_tcp_nodelay(true);  // else Nagle holds a POST body back for the delayed ACK
      client.set_read_timeout(10, 0);
      while (Clock::now() < deadline) {
        const auto t0 = Clock::now();
        const bool ok = c.request(client);
        per[i].latencies_us.push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        ++per[i].requests;
        if (!ok) ++per[i].failures;
      }
    });
  for (auto& t : threads) t.join();
  Figures all;
  all.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& f : per) {
    all.requests += f.requests;
    all.failures += f.failures;
    all.latencies_us.insert(all.latencies_us.end(), f.latencies_us.begin(), f.latencies_us.end());
  }
  std::sort(all.latencies_us.begin(), all.latencies_us.end());
  return all;
}

bool get_ok(httplib::Client& c, const std::string& path) {
  auto res = c.Get(path);
  return res && res->status == 200;
}

bool direct_mi_ok(httplib::Client& c) {
  auto res = c.Post("/mi", R"({"jsonrpc":"2.0","method":"clusterer_list","id":1})",
                    "application/json");
  return res && res->status == 200 && res->body.find("\"result\"") != std::string::npos;
}

bool message_ok(httplib::Client& c) {
  auto res = c.Post("/v1/clusters/1/nodes/2/messages?wait=5", R"({"msg":"ping"})",
                    "application/json");
  return res && res->status == 200 && res->body.find("re: ping") != std::string::npos;
}

// Measures one case and prints its table row; false when a request failed.
bool print_row(const Case& c, bool keep_alive, int conns, double seconds) {
  Figures f = measure(c, conns, keep_alive, seconds);
  auto& l = f.latencies_us;
  std::printf("| %s | %s | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %llu |\n", c.name.c_str(),
              keep_alive ? "keep-alive" : "new per request", conns,
              static_cast<double>(f.requests) / f.seconds, percentile(l, 0.5), percentile(l, 0.9),
              percentile(l, 0.99), l.empty() ? 0.0 : l.back(),
              static_cast<unsigned long long>(f.failures));
  std::fflush(stdout);
  return f.failures == 0;
}

std::vector<std::string> node_argv(const Params& p, const TempDir& dir, int id, uint16_t port,
                                   uint16_t peer_port, std::vector<std::string> extra) {
  auto url = [](uint16_t po) { return "bin:127.0.0.1:" + std::to_string(po); };
  std::vector<std::string> argv = {
      p.clusterd, "--my_node_id", std::to_string(id),
      "--mi_socket", dir.path() + "/n" + std::to_string(id) + ".sock",
      "--db_mode", "0", "--socket", url(port),
      "--my_node_info", "cluster_id=1,url=" + url(port),
      "--neighbor_node_info",
      "cluster_id=1,node_id=" + std::to_string(3 - id) + ",url=" + url(peer_port),
      "--log_level", "warn"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

int run(const Params& p) {
  TempDir dir;
  const uint16_t p1 = free_port(), p2 = free_port(), mi_http = free_port(), gw = free_port();
  Process n1(node_argv(p, dir, 1, p1, p2, {"--mi_http", "127.0.0.1:" + std::to_string(mi_http)}),
             dir.path() + "/node1.log");
  Process n2(node_argv(p, dir, 2, p2, p1, {}), dir.path() + "/node2.log");
  // Request logs off: one line per request would be part of what is timed.
  Process gateway({p.gateway, "--node", "unix:" + dir.path() + "/n1.sock", "--listen",
                   "127.0.0.1:" + std::to_string(gw), "--log-level", "warn"},
                  dir.path() + "/gateway.log");
  httplib::Client probe("127.0.0.1", gw);
  auto up = lc::test::wait_for(
      [&] {
        auto res = probe.Get("/v1/clusters/1/nodes/2");
        return res && res->status == 200 && res->body.find("\"Up\"") != std::string::npos;
      },
      15s);
  if (!up) {
    std::fprintf(stderr, "gateway_bench: node 2 not Up through the gateway within 15 s (%s)\n",
                 dir.path().c_str());
    return 1;
  }
  Answerer answerer(dir.path() + "/n2.sock");
  if (!answerer.ok()) {
    std::fprintf(stderr, "gateway_bench: cannot subscribe to node 2's events\n");
    return 1;
  }
  std::this_thread::sleep_for(200ms);  // the subscription is in place
  const std::vector<Case> cases = {
      {"gateway GET /v1/clusters", gw, [](httplib::Client& c) { return get_ok(c, "/v1/clusters"); }},
      {"direct POST /mi clusterer_list", mi_http, direct_mi_ok},
      {"gateway POST .../nodes/2/messages?wait=5 (answered)", gw, message_ok},
      // What a load balancer's probe and a Prometheus scrape cost (4 and 3 MI calls).
      {"gateway GET /readyz", gw, [](httplib::Client& c) { return get_ok(c, "/readyz"); }},
      {"gateway GET /metrics", gw, [](httplib::Client& c) { return get_ok(c, "/metrics"); }}};
  std::printf(
      "| case | connection | conns | requests/s | p50 µs | p90 µs | p99 µs | max µs | failed |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  int failed = 0;
  for (const auto& c : cases)
    for (bool keep_alive : p.keep_alive)
      for (int conns : p.concurrency) failed += !print_row(c, keep_alive, conns, p.seconds);
  std::printf("\nnode 2 answered %llu requests\n",
              static_cast<unsigned long long>(answerer.answered()));
  gateway.terminate(3s);
  n1.terminate(3s);
  n2.terminate(3s);
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Params p;
  CLI::App app{"cluster-gateway requests/s and latency against real clusterd nodes"};
  app.add_option("--clusterd", p.clusterd, "clusterd binary")->capture_default_str();
  app.add_option("--gateway", p.gateway, "cluster-gateway binary")->capture_default_str();
  app.add_option("--seconds", p.seconds, "run time per case and concurrency")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 60.0));
  app.add_option("--concurrency", p.concurrency, "client connections, one run each")
      ->capture_default_str();
  bool keep_alive_only = false;
  app.add_flag("--keep-alive-only", keep_alive_only, "skip the new-connection-per-request runs");
  CLI11_PARSE(app, argc, argv);
  if (keep_alive_only) p.keep_alive = {true};
  return run(p);
}
