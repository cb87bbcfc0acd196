#include "node_process.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "polling.h"

namespace lc::itest {

using namespace std::chrono_literals;

NodeProcess::NodeProcess(std::string dir, int id, std::vector<std::string> flags)
    : dir_(std::move(dir)), id_(id), flags_(std::move(flags)) {
  start();
}

void NodeProcess::start() {
  std::vector<std::string> argv = {LC_CLUSTERD_BIN, "--my_node_id",   std::to_string(id_),
                                   "--mi_socket",   socket(),         "--ping_interval",
                                   "1",             "--ping_timeout", "500",
                                   "--node_timeout", "3"};
  // Debug logs unless the caller chose a level (a key given twice is an error).
  if (std::find(flags_.begin(), flags_.end(), "--log_level") == flags_.end())
    argv.insert(argv.end(), {"--log_level", "debug"});
  argv.insert(argv.end(), flags_.begin(), flags_.end());
  proc_.reset();  // a previous run is killed and reaped before the socket goes
  ::unlink(socket().c_str());
  proc_ = std::make_unique<Process>(argv, log_path());
  lc::test::wait_for([&] { return std::filesystem::exists(socket()) || !proc_->running(); }, 3s);
}

std::string NodeProcess::socket() const { return dir_ + "/n" + std::to_string(id_) + ".sock"; }
std::string NodeProcess::log_path() const {
  return dir_ + "/node" + std::to_string(id_) + ".log";
}

std::string NodeProcess::log() const {
  std::ifstream f(log_path());
  return std::string(std::istreambuf_iterator<char>(f), {});
}

RunResult NodeProcess::ctl(std::vector<std::string> args, const std::string& output) {
  std::vector<std::string> argv = {LC_NODECTL_BIN, "-s", socket(), "-o", output};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

std::map<int, Json> NodeProcess::nodes(int cluster) {
  std::map<int, Json> m;
  auto r = ctl({"list"});
  if (r.exit_code != 0) return m;
  auto j = Json::parse(r.out, nullptr, false);
  if (j.is_discarded() || !j.contains("Clusters")) return m;
  for (const auto& c : j["Clusters"])
    if (c["cluster_id"] == cluster)
      for (const auto& n : c["Nodes"]) m[n["node_id"].get<int>()] = n;
  return m;
}

std::string NodeProcess::field(int node, const std::string& key, int cluster) {
  auto m = nodes(cluster);
  if (!m.count(node) || !m[node].contains(key) || !m[node][key].is_string()) return "";
  return m[node][key].get<std::string>();
}

std::string bin_url(const std::string& host, uint16_t port) {
  return "bin:" + host + ":" + std::to_string(port);
}

std::vector<std::string> static_node_flags(const StaticNode& n) {
  const std::string me = bin_url(n.host, n.port);
  std::string info = "cluster_id=" + std::to_string(n.cluster_id) + ",url=" + me;
  if (!n.my_flags.empty()) info += ",flags=" + n.my_flags;
  std::vector<std::string> f = {"--db_mode", "0", "--socket", me, "--my_node_info", info};
  for (auto [id, port] : n.peers) {
    f.push_back("--neighbor_node_info");
    f.push_back("cluster_id=" + std::to_string(n.cluster_id) + ",node_id=" + std::to_string(id) +
                ",url=" + bin_url(n.host, port));
  }
  return f;
}

}  // namespace lc::itest
