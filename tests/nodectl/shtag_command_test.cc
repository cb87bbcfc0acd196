// `nodectl shtag get`, `shtag_set_active` and `list_shtags` end to end: the
// real nodectl binary against a small MI server on a unix socket that runs
// the real command registry over a real Engine (no clusterd needed).
// Suite names start with "Shtag" (`ctest -R Shtag`).
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "libcluster/mi/context.h"
#include "libcluster/mi/registry.h"
#include "run_nodectl.h"

namespace lc::nodectl_test {
namespace {

using Json = nlohmann::ordered_json;

// mi::Context over an Engine owned by the server thread.
class EngineContext : public mi::Context {
 public:
  explicit EngineContext(core::Engine& e) : engine_(e) {}
  core::Engine& engine() override { return engine_; }
  core::Now now() override { return core::Now{1000, 1'700'000'001}; }
  bool enable_stats() override { return true; }
  std::string new_tag(int32_t cluster_id) override { return std::to_string(cluster_id) + "-1-x"; }
  void reload(ReloadDone done) override { done(std::nullopt); }
  int log_level() override { return 3; }
  void set_log_level(int) override {}
  int64_t process_id() override { return 1; }

 private:
  core::Engine& engine_;
};

core::Engine make_engine() {
  core::Config cfg;
  cfg.my_node_id = 1;
  cfg.db_mode = false;
  core::ClusterSpec spec;
  spec.cluster_id = 1;
  spec.local.url = "bin:127.0.0.1:17001";
  core::NodeInfo peer;
  peer.node_id = 2;
  peer.url = "bin:127.0.0.1:17002";
  spec.nodes.push_back(peer);
  core::Engine e(cfg, {spec}, core::Now{0, 1'700'000'000});
  e.define_shtags({{"vip", 1, core::ShtagState::kActive}, {"db", 1, core::ShtagState::kBackup}});
  return e;
}

// Answers newline-delimited JSON-RPC requests, one connection at a time,
// on its own thread until destroyed.
class MiServer {
 public:
  MiServer() : engine_(make_engine()), ctx_(engine_) {
    path_ = (std::filesystem::temp_directory_path() /
             ("lc-shtag-" + std::to_string(::getpid()) + ".sock")).string();
    ::unlink(path_.c_str());
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 4) != 0)
      throw std::runtime_error("cannot listen on " + path_);
    thread_ = std::thread([this] { serve(); });
  }
  ~MiServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) answer(c);
    }
  }
  void answer(int c) {
    std::string buf;
    char chunk[4096];
    for (int idle = 0; idle < 100 && !stop_;) {  // at most ~5 s per connection
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) {
        ++idle;
        continue;
      }
      const ssize_t n = ::read(c, chunk, sizeof chunk);
      if (n <= 0) break;
      buf.append(chunk, static_cast<std::size_t>(n));
      for (auto nl = buf.find('\n'); nl != std::string::npos; nl = buf.find('\n')) {
        mi::Reply r = registry_.handle(ctx_, buf.substr(0, nl));
        buf.erase(0, nl + 1);
        if (!r.response) continue;
        const std::string out = mi::to_text(*r.response) + "\n";
        if (::send(c, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size()))
          break;
      }
    }
    ::close(c);
  }

  core::Engine engine_;
  EngineContext ctx_;
  const mi::Registry registry_ = mi::make_clusterer_registry();
  std::string path_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::string show(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

class ShtagCommandTest : public ::testing::Test {
 protected:
  RunResult nodectl(std::vector<std::string> args) {
    args.insert(args.begin(), {"-s", server_.path()});
    return run_nodectl(args);
  }
  MiServer server_;
};

TEST_F(ShtagCommandTest, GetPrintsTheBareState) {
  auto r = nodectl({"shtag", "get", "vip/1"});
  EXPECT_EQ(r.exit_code, 0) << show(r);
  EXPECT_EQ(r.out, "active\n");
  r = nodectl({"shtag", "get", " db / 1 "});
  EXPECT_EQ(r.exit_code, 0) << show(r);
  EXPECT_EQ(r.out, "backup\n");
  r = nodectl({"-o", "json", "shtag", "get", "vip/1"});
  EXPECT_EQ(r.exit_code, 0) << show(r);
  EXPECT_EQ(Json::parse(r.out), Json::parse(R"({"Tag":"vip","Cluster":1,"State":"active"})"));
}

TEST_F(ShtagCommandTest, UnknownTagIsAnErrorAndIsNotCreated) {
  auto r = nodectl({"shtag", "get", "nope/1"});
  EXPECT_EQ(r.exit_code, 1) << show(r);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("error 404: Sharing tag not found"), std::string::npos) << r.err;
  r = nodectl({"shtag", "get", "vip"});
  EXPECT_EQ(r.exit_code, 1) << show(r);
  EXPECT_NE(r.err.find("Bad tag format <name/cluster_id>"), std::string::npos) << r.err;
  r = nodectl({"-o", "json", "list_shtags"});
  ASSERT_EQ(r.exit_code, 0) << show(r);
  EXPECT_EQ(Json::parse(r.out).size(), 2u) << r.out;
}

TEST_F(ShtagCommandTest, SetActiveIsTheWriter) {
  auto r = nodectl({"shtag_set_active", "db/1"});
  EXPECT_EQ(r.exit_code, 0) << show(r);
  r = nodectl({"shtag", "get", "db/1"});
  EXPECT_EQ(r.out, "active\n") << show(r);
  r = nodectl({"shtag_set_active", "db/7"});
  EXPECT_EQ(r.exit_code, 1) << show(r);
  EXPECT_NE(r.err.find("error 404: Cluster ID not found"), std::string::npos) << r.err;
  r = nodectl({"-o", "table", "list_shtags"});
  EXPECT_EQ(r.exit_code, 0) << show(r);
  EXPECT_EQ(r.out, "TAG  CLUSTER  STATE\ndb   1        active\nvip  1        active\n");
  r = nodectl({"-o", "table", "shtag_get", "vip/1"});
  EXPECT_EQ(r.out, "active\n") << show(r);
}

TEST_F(ShtagCommandTest, UsageErrors) {
  EXPECT_EQ(nodectl({"shtag"}).exit_code, 2);
  EXPECT_EQ(nodectl({"shtag", "get"}).exit_code, 2);
  EXPECT_EQ(nodectl({"shtag", "get", "a/1", "b/1"}).exit_code, 2);
  auto r = run_nodectl({"-s", "/nonexistent/sock", "shtag", "get", "vip/1"});
  EXPECT_EQ(r.exit_code, 2) << show(r);
}

}  // namespace
}  // namespace lc::nodectl_test
