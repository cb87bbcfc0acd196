// nodectl's MI client: JSON-RPC requests to a clusterd over its unix socket
// (one JSON object per line) or over HTTP (POST /mi, mi_http style).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace lc::nodectl {

using Json = nlohmann::ordered_json;

// Where the node is: a unix socket path, or an http://HOST:PORT/PATH URL.
struct Target {
  std::string socket;
  std::string url;
  std::chrono::milliseconds timeout{5000};
};

// A transport failure (not an MI error): the message says what to check.
struct ConnectError {
  std::string message;
};

class Connection {
 public:
  static std::unique_ptr<Connection> open(const Target& t, std::string* error);
  virtual ~Connection() = default;
  // Sends one request and returns its response object.
  virtual std::optional<Json> call(const Json& request, std::string* error) = 0;
  // Unix socket only: the next line the server sends (an event notification
  // after a subscribe), waiting at most `wait`; nothing on timeout or error.
  virtual std::optional<Json> next(std::chrono::milliseconds wait, std::string* error) = 0;
};

// {"jsonrpc":"2.0","method":..,"params":..,"id":..}
Json make_request(const std::string& method, const Json& params);

}  // namespace lc::nodectl
