// A cluster-gateway child process for the tests, and an HTTP client of it.
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "node_process.h"
#include "process.h"

namespace lc::itest {

class GatewayProcess {
 public:
  // Starts `cluster-gateway --node NODE --listen 127.0.0.1:<free port>
  // FLAGS...` and waits (at most 3 s) until /livez answers or it exited.
  // `tls`: the gateway serves HTTPS (FLAGS carry --tls-cert/--tls-key).
  GatewayProcess(const std::string& dir, const std::string& node, std::vector<std::string> flags,
                 bool tls = false);

  bool ready() const { return ready_; }
  uint16_t port() const { return port_; }
  std::string log() const;
  Process& proc() { return *proc_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

  // A fresh client (2 s timeouts); `token` set → Authorization: Bearer.
  std::unique_ptr<httplib::Client> client(const std::string& token = "") const;

 private:
  uint16_t port_ = 0;
  std::string log_path_;
  std::unique_ptr<Process> proc_;
  bool ready_ = false;
};

// Nodes 1 and 2 of cluster 1 on loopback; node 1 also serves MI on mi_http.
struct TwoNodes {
  TempDir dir;
  uint16_t p1, p2, http_port;
  std::unique_ptr<NodeProcess> n1, n2;

  // `extra`: more clusterd flags for both nodes (e.g. the kv capability's);
  // `n1_flags`: node 1's my_node_info flags ("seed" or empty).
  explicit TwoNodes(const std::vector<std::string>& extra = {}, const std::string& n1_flags = "");
  // --node for the gateway: "unix" (node 1's socket) or "http" (its mi_http).
  std::string node_arg(const std::string& backend) const;
};

// A response's JSON body; null when there is none or it is not JSON.
Json body_of(const httplib::Result& res);

// argv of a gateway run, for tests that expect it to refuse to start.
std::vector<std::string> gateway_argv(const std::string& node, uint16_t port,
                                      std::vector<std::string> flags);

// A file holding `text` with permissions `mode`.
std::string write_file(const std::string& path, const std::string& text, unsigned mode);

}  // namespace lc::itest
