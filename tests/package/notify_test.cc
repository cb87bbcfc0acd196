// clusterd and cluster-gateway under systemd's Type=notify protocol, with
// the test in systemd's place: a unix datagram socket as NOTIFY_SOCKET,
// WATCHDOG_USEC/WATCHDOG_PID set as systemd sets them. READY=1 must come
// once the listeners and the MI socket are up, WATCHDOG=1 at half the
// watchdog interval, STOPPING=1 on SIGTERM.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <optional>

#include "polling.h"
#include "process.h"

namespace {

using namespace std::chrono_literals;
using lc::itest::Process;
using lc::itest::TempDir;

// systemd's end of NOTIFY_SOCKET.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    path.copy(a.sun_path, sizeof a.sun_path - 1);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) ADD_FAILURE() << "bind";
  }
  ~NotifySocket() { ::close(fd_); }
  const std::string& path() const { return path_; }

  // The next datagram, or nothing within `limit`.
  std::optional<std::string> receive(std::chrono::milliseconds limit) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0) return std::nullopt;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n < 0 ? std::nullopt : std::optional<std::string>(std::string(buf, n));
  }

  // Waits for a datagram holding `state` (READY=1...); false after `limit`.
  bool wait_for(const std::string& state, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      auto m = receive(left);
      if (m && m->find(state) != std::string::npos) return true;
    }
    return false;
  }

  // How many WATCHDOG=1 pings arrive during `span`.
  int count_pings(std::chrono::milliseconds span) {
    int n = 0;
    const auto end = std::chrono::steady_clock::now() + span;
    while (std::chrono::steady_clock::now() < end) {
      auto m = receive(10ms);
      if (m && m->find("WATCHDOG=1") != std::string::npos) ++n;
    }
    return n;
  }

 private:
  std::string path_;
  int fd_ = -1;
};

// `argv` run the way systemd runs a service: the notify socket and the
// watchdog in the environment, WATCHDOG_PID the service's own pid (sh's $$,
// which exec keeps) unless `watchdog_pid` names another process.
std::vector<std::string> under_systemd(const NotifySocket& notify, std::vector<std::string> argv,
                                       const std::string& watchdog_pid = "$$") {
  std::vector<std::string> out = {
      "/bin/sh", "-c",
      "export NOTIFY_SOCKET='" + notify.path() + "' WATCHDOG_USEC=200000 WATCHDOG_PID=" +
          watchdog_pid + "; exec \"$0\" \"$@\""};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

bool accepts_tcp(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::vector<std::string> clusterd_argv(const std::string& dir, uint16_t port) {
  const std::string url = "bin:127.0.0.1:" + std::to_string(port);
  return {LC_CLUSTERD_BIN, "--my_node_id", "1",   "--mi_socket",    dir + "/n1.sock",
          "--db_mode",     "0",            "--socket", url, "--my_node_info",
          "cluster_id=1,url=" + url};
}

std::vector<std::string> gateway_argv(uint16_t port) {
  // No node behind it: readiness is about the gateway's own listener.
  return {LC_GATEWAY_BIN, "--node", "http://127.0.0.1:1/mi", "--listen",
          "127.0.0.1:" + std::to_string(port)};
}

// The protocol of one daemon: READY=1 once `port` accepts connections
// (then `when_ready` checks the rest), a ping every 100 ms
// (WATCHDOG_USEC=200000), STOPPING=1 and exit status 0 on SIGTERM.
void expect_service_lifecycle(NotifySocket& notify, Process& p, uint16_t port,
                              const std::string& log, const std::function<void()>& when_ready) {
  ASSERT_TRUE(notify.wait_for("READY=1", 5s)) << "no READY=1; see " << log;
  EXPECT_TRUE(accepts_tcp(port));
  when_ready();
  EXPECT_GE(notify.count_pings(1000ms), 5);
  ::kill(p.pid(), SIGTERM);
  EXPECT_TRUE(notify.wait_for("STOPPING=1", 5s));
  EXPECT_EQ(p.terminate(), 0);
}

TEST(SystemdNotify, ClusterdIsReadyOnceItsSocketsAreUp) {
  TempDir dir;
  NotifySocket notify(dir.path() + "/notify.sock");
  const uint16_t port = lc::test::free_port();
  Process node(under_systemd(notify, clusterd_argv(dir.path(), port)), dir.path() + "/node.log");
  expect_service_lifecycle(notify, node, port, dir.path() + "/node.log", [&] {
    EXPECT_TRUE(std::filesystem::exists(dir.path() + "/n1.sock"));
  });
}

TEST(SystemdNotify, ClusterdLeavesAnotherProcesssWatchdogAlone) {
  TempDir dir;
  NotifySocket notify(dir.path() + "/notify.sock");
  Process node(under_systemd(notify, clusterd_argv(dir.path(), lc::test::free_port()), "1"),
               dir.path() + "/node.log");
  ASSERT_TRUE(notify.wait_for("READY=1", 5s));
  EXPECT_EQ(notify.count_pings(500ms), 0);
}

TEST(SystemdNotify, GatewayIsReadyOnceBound) {
  TempDir dir;
  NotifySocket notify(dir.path() + "/notify.sock");
  const uint16_t port = lc::test::free_port();
  Process gw(under_systemd(notify, gateway_argv(port)), dir.path() + "/gateway.log");
  expect_service_lifecycle(notify, gw, port, dir.path() + "/gateway.log", [] {});
}

TEST(SystemdNotify, WithoutNotifySocketTheDaemonsRunAsBefore) {
  TempDir dir;
  const uint16_t port = lc::test::free_port();
  Process node(clusterd_argv(dir.path(), port), dir.path() + "/node.log");
  EXPECT_TRUE(lc::test::wait_for([&] { return accepts_tcp(port); }, 5s));
  EXPECT_EQ(node.terminate(), 0);
}

}  // namespace
