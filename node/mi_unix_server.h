// MI over a unix stream socket: one JSON-RPC request per line, any number of
// requests per connection, replies in order, one per line. After a
// successful `subscribe` the connection carries event notifications, one per
// line, until the client closes it. The socket file is created mode 0600:
// file permissions are the access control.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "libcluster/mi/registry.h"
#include "libcluster/runtime/runtime.h"

namespace lc::node {

class MiUnixServer {
 public:
  MiUnixServer(runtime::Runtime& rt, const mi::Registry& registry, mi::Context& ctx,
               std::string path);
  ~MiUnixServer();

  // Binds the socket (replacing a stale file); the error names the path.
  std::optional<std::string> start();
  void stop();  // loop thread

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lc::node
