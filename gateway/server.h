// The HTTP side: every route of the table registered on a cpp-httplib
// server, the token checks, problem+json errors for everything that fails
// (unknown routes, bad JSON, oversize bodies included), and one log line
// per request with its status and latency.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "auth.h"
#include "mi_backend.h"

namespace lc::gateway {

struct ServerSettings {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::chrono::milliseconds mi_timeout{5000};
  std::size_t max_body_bytes = 64 * 1024;
  Tokens tokens;
  std::string version;
};

class Server {
 public:
  Server(ServerSettings settings, std::unique_ptr<MiBackend> node);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the address; the error names it.
  std::optional<std::string> bind();
  // Serves until stop() (from another thread).
  void serve();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lc::gateway
