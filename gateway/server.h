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
  // HTTPS when both are set (PEM files).
  std::string tls_cert_file;
  std::string tls_key_file;
  // The node's unix MI socket to follow events on; empty: no events
  // (GET /v1/events and ?wait answer 503 saying why).
  std::string events_socket;
  std::size_t event_buffer = 1024;           // events kept for Last-Event-ID
  std::chrono::milliseconds heartbeat{15000};  // SSE comment when idle
  std::size_t max_event_streams = 64;        // concurrent GET /v1/events
  std::size_t max_waits = 32;                // concurrent ?wait requests (503 beyond)
  std::size_t worker_threads = 16;           // requests served at once, streams aside
};

class Server {
 public:
  Server(ServerSettings settings, std::unique_ptr<MiBackend> node);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the TLS files (if any) and binds the address; the error names
  // what failed.
  std::optional<std::string> bind();
  // Serves until stop() (from another thread).
  void serve();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lc::gateway
