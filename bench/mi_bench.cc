// MI throughput: sequential `clusterer_list` JSON-RPC requests over the unix
// socket of a real clusterd (docs/benchmarks.md, "MI clusterer_list").
//
// The bench starts --nodes clusterd processes (default 4) as children: db_mode
// 0, each listening on its own free 127.0.0.1 port, every node configured with
// all the others as neighbours, MI on a unix socket in a temporary directory.
// Once node 1 sees all its neighbours Up, one to four client threads, each on
// its own connection, send one request, read its one-line reply, and send
// the next, for a fixed time. Each reply is checked (its id, a "result").
// The children are stopped with SIGTERM (SIGKILL if the bench dies), the
// directory removed; the program stops by itself.
#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "polling.h"

namespace {

using lc::test::free_port;

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

#ifndef LC_CLUSTERD_BIN
#define LC_CLUSTERD_BIN "clusterd"
#endif

struct Params {
  std::string clusterd = LC_CLUSTERD_BIN;
  int nodes = 4;
  double seconds = 2.0;
  int reps = 3;
  std::vector<int> concurrency = {1, 2, 4};
};

// A child process, killed by the kernel if the bench dies first.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::close(fd);
      }
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Child() { stop(); }
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }
  // SIGTERM, then SIGKILL after 3 s.
  void stop() {
    if (!running()) return;
    ::kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + 3s;
    while (Clock::now() < deadline) {
      if (!running()) return;
      std::this_thread::sleep_for(10ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

// One MI connection: a request per line, a reply per line.
class MiClient {
 public:
  explicit MiClient(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  ~MiClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

  // Sends one request and reads its reply line (without the newline).
  bool call(const std::string& request_line, std::string& reply) {
    for (std::size_t off = 0; off < request_line.size();) {
      ssize_t n = ::send(fd_, request_line.data() + off, request_line.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        reply.assign(buf_, 0, nl);
        buf_.erase(0, nl + 1);
        return true;
      }
      char tmp[65536];
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) return false;
      buf_.append(tmp, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  std::string buf_;
};

std::string request(uint64_t id) {
  return R"({"jsonrpc":"2.0","method":"clusterer_list","id":)" + std::to_string(id) + "}\n";
}

// A reply to request `id` that carries a result.
bool good_reply(const std::string& reply, uint64_t id) {
  return reply.find("\"result\"") != std::string::npos &&
         reply.find("\"id\":" + std::to_string(id)) != std::string::npos;
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

struct Run {
  bool ok = true;
  uint64_t requests = 0;
  double seconds = 0;
  double mean_latency_us = 0;
};

// `conns` clients, each sending requests back to back for `seconds`.
Run measure(const std::string& socket, int conns, double seconds) {
  std::vector<std::unique_ptr<MiClient>> clients;
  for (int i = 0; i < conns; ++i) {
    clients.push_back(std::make_unique<MiClient>(socket));
    if (!clients.back()->ok()) return Run{false};
  }
  std::atomic<bool> go{false}, failed{false};
  std::vector<uint64_t> done(conns, 0);
  std::vector<double> busy(conns, 0);
  const auto duration = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(seconds));
  Clock::time_point t0, deadline;
  std::vector<std::thread> threads;
  for (int i = 0; i < conns; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      std::string reply;
      // OpenSIPS echoes an id as an int: keep them below 2^31.
      uint64_t id = static_cast<uint64_t>(i) * 100000000;
      const auto start = Clock::now();
      while (Clock::now() < deadline) {
        id = static_cast<uint64_t>(i) * 100000000 + (id + 1) % 100000000;
        if (!clients[i]->call(request(id), reply)) {
          failed = true;
          std::fprintf(stderr, "mi_bench: request %llu: %s\n",
                       static_cast<unsigned long long>(id), std::strerror(errno));
          break;
        }
        if (!good_reply(reply, id)) {
          failed = true;
          std::fprintf(stderr, "mi_bench: request %llu: unexpected reply %.300s\n",
                       static_cast<unsigned long long>(id), reply.c_str());
          break;
        }
        ++done[i];
      }
      busy[i] = std::chrono::duration<double>(Clock::now() - start).count();
    });
  }
  t0 = Clock::now();
  deadline = t0 + duration;
  go = true;
  for (auto& t : threads) t.join();
  Run r;
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  double busy_sum = 0;
  for (int i = 0; i < conns; ++i) {
    r.requests += done[i];
    busy_sum += busy[i];
  }
  r.ok = !failed && r.requests > 0;
  r.mean_latency_us = r.requests ? busy_sum / static_cast<double>(r.requests) * 1e6 : 0;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  Params p;
  CLI::App app{"mi_bench: clusterer_list requests/s on node 1 of N clusterd, with 1, 2 and 4 "
               "connections"};
  app.add_option("--clusterd", p.clusterd, "the clusterd to run")->capture_default_str();
  app.add_option("--nodes", p.nodes, "nodes started")->check(CLI::Range(2, 32))->capture_default_str();
  app.add_option("--seconds", p.seconds, "measuring time of each run")
      ->check(CLI::Range(0.1, 10.0))
      ->capture_default_str();
  app.add_option("--reps", p.reps, "runs of each case, interleaved; medians and bests are printed")
      ->check(CLI::Range(1, 10))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  ::signal(SIGPIPE, SIG_IGN);

  char tmpl[] = "/tmp/lc-mi-bench-XXXXXX";
  if (!::mkdtemp(tmpl)) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string dir = tmpl;
  std::vector<uint16_t> ports;
  for (int i = 0; i < p.nodes; ++i) ports.push_back(free_port());
  auto url = [&](int i) { return "bin:127.0.0.1:" + std::to_string(ports[i]); };
  auto sock = [&](int i) { return dir + "/n" + std::to_string(i + 1) + ".sock"; };

  std::vector<std::unique_ptr<Child>> nodes;
  for (int i = 0; i < p.nodes; ++i) {
    std::vector<std::string> args = {p.clusterd,        "--my_node_id",
                                     std::to_string(i + 1), "--db_mode",
                                     "0",               "--socket",
                                     url(i),            "--my_node_info",
                                     "cluster_id=1,url=" + url(i),
                                     "--mi_socket",     sock(i),
                                     "--ping_interval", "1",
                                     "--log_level",     "warn"};
    for (int j = 0; j < p.nodes; ++j)
      if (j != i) {
        args.push_back("--neighbor_node_info");
        args.push_back("cluster_id=1,node_id=" + std::to_string(j + 1) + ",url=" + url(j));
      }
    nodes.push_back(std::make_unique<Child>(args, dir + "/n" + std::to_string(i + 1) + ".log"));
  }

  int rc = 0;
  auto fail = [&](const std::string& why) {
    std::fprintf(stderr, "mi_bench: %s (logs in %s)\n", why.c_str(), dir.c_str());
    rc = 1;
  };

  // Node 1 answers and sees every neighbour Up.
  std::string reply;
  bool ready = false;
  const auto deadline = Clock::now() + 15s;
  bool died = false;
  while (Clock::now() < deadline && !ready && !died) {
    std::this_thread::sleep_for(50ms);
    for (auto& n : nodes)
      if (!n->running()) died = true;
    MiClient c(sock(0));
    if (c.ok() && c.call(request(1), reply) && good_reply(reply, 1) &&
        count(reply, "\"Up\"") >= static_cast<std::size_t>(p.nodes - 1))
      ready = true;
  }
  if (died) {
    fail("a clusterd exited at start");
  } else if (!ready) {
    fail("node 1 did not see its " + std::to_string(p.nodes - 1) +
         " neighbours Up within 15 s; last reply: " + reply);
  } else {
    std::printf("MI clusterer_list on node 1 of %d clusterd (db_mode 0), %zu-byte reply,\n"
                "%.1f s per run, %d runs per row, interleaved\n\n",
                p.nodes, reply.size() + 1, p.seconds, p.reps);
    std::vector<std::vector<Run>> runs(p.concurrency.size());
    for (int rep = 0; rep < p.reps && rc == 0; ++rep)
      for (std::size_t k = 0; k < p.concurrency.size() && rc == 0; ++k) {
        Run r = measure(sock(0), p.concurrency[k], p.seconds);
        if (!r.ok) fail("a request failed or timed out");
        runs[k].push_back(r);
      }
    if (rc == 0) {
      std::printf("| connections | req/s median | req/s best | mean latency (us, median run) |\n");
      std::printf("|---|---|---|---|\n");
      for (std::size_t k = 0; k < p.concurrency.size(); ++k) {
        auto v = runs[k];
        std::sort(v.begin(), v.end(), [](const Run& a, const Run& b) {
          return a.requests / a.seconds < b.requests / b.seconds;
        });
        const Run& med = v[v.size() / 2];
        const Run& best = v.back();
        std::printf("| %d | %.0f | %.0f | %.1f |\n", p.concurrency[k], med.requests / med.seconds,
                    best.requests / best.seconds, med.mean_latency_us);
      }
      std::printf("\nreply: %.300s%s\n", reply.c_str(), reply.size() > 300 ? "..." : "");
    }
  }

  for (auto& n : nodes) n->stop();
  if (rc == 0) std::filesystem::remove_all(dir);
  return rc;
}
