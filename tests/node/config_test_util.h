// Helpers of the configuration tests: run parse_command_line on a list of
// arguments, and write TOML files that clean up after themselves.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "node/config.h"

namespace lc::node::test {

inline Expected<CommandLine, ConfigError> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "clusterd");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

// Parses arguments that must be valid; fails the test otherwise.
inline NodeConfig parse_ok(std::vector<std::string> args) {
  auto r = parse(std::move(args));
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? r->config : NodeConfig{};
}

// The message of arguments that must be refused ("" if they were accepted).
inline std::string parse_error(std::vector<std::string> args) {
  auto r = parse(std::move(args));
  EXPECT_FALSE(r.has_value()) << "accepted";
  return r ? std::string() : r.error().message;
}

// The flags of a valid single-cluster db_mode 0 node with two neighbors.
inline std::vector<std::string> node1_flags() {
  return {"--my_node_id", "1",
          "--db_mode", "0",
          "--socket", "bin:127.0.0.1:5001",
          "--my_node_info", "cluster_id=1,url=bin:127.0.0.1:5001",
          "--neighbor_node_info", "cluster_id=1,node_id=2,url=bin:127.0.0.1:5002",
          "--neighbor_node_info", "cluster_id=1,node_id=3,url=bin:127.0.0.1:5003",
          "--mi_socket", "/tmp/n1.sock"};
}

inline std::vector<std::string> with(std::vector<std::string> base,
                                     const std::vector<std::string>& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

// A file in the test's temporary directory, removed on destruction.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    static std::atomic<int> counter{0};
    path_ = ::testing::TempDir() + "clusterd_config_test_" + std::to_string(::getpid()) + "_" +
            std::to_string(counter++) + ".toml";
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace lc::node::test
