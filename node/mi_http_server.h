// MI over HTTP, the way OpenSIPS's mi_http serves it: POST /mi with one
// JSON-RPC request as the body. JSON-RPC errors are HTTP 200; a notification
// gets 202 with no body; other methods 405; an empty body 400. Runs its own
// thread; every request is executed on the runtime's loop thread.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "libcluster/mi/registry.h"
#include "libcluster/runtime/runtime.h"

namespace lc::node {

class MiHttpServer {
 public:
  MiHttpServer(runtime::Runtime& rt, const mi::Registry& registry, mi::Context& ctx);
  ~MiHttpServer();

  // Binds host:port and starts serving; the error names the address.
  std::optional<std::string> start(const std::string& host, uint16_t port);
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lc::node
