// A JSON-RPC client of clusterd's MI unix socket for tests that need many
// calls: one connection, requests pipelined (one JSON object per line, the
// replies in order), every read bounded by a deadline. Storing 10,000 keys
// this way takes one connection instead of 10,000 nodectl processes.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lc::itest {

class MiClient {
 public:
  using Json = nlohmann::ordered_json;
  using Call = std::pair<std::string, Json>;  // method, params

  // Connects to the socket; nothing if it cannot (error in *error).
  static std::unique_ptr<MiClient> connect(const std::string& socket_path, std::string* error);
  ~MiClient();
  MiClient(const MiClient&) = delete;
  MiClient& operator=(const MiClient&) = delete;

  // One call; its whole response object ({"result"} or {"error"}).
  std::optional<Json> call(const std::string& method, const Json& params,
                           std::chrono::milliseconds limit = std::chrono::seconds(5));
  // Every call, at most `window` requests sent ahead of their replies (so
  // neither side's socket buffer fills up); the responses in call order.
  // Nothing on a transport error or when `limit` passes (error in error()).
  std::optional<std::vector<Json>> call_all(const std::vector<Call>& calls, std::size_t window,
                                            std::chrono::milliseconds limit);
  const std::string& error() const { return error_; }

 private:
  explicit MiClient(int fd) : fd_(fd) {}
  bool send_line(const std::string& line, std::chrono::steady_clock::time_point deadline);
  std::optional<Json> read_response(std::chrono::steady_clock::time_point deadline);
  bool fail(std::string e);

  int fd_ = -1;
  std::string buf_;  // bytes read past the last complete line
  uint64_t next_id_ = 1;
  std::string error_;
};

}  // namespace lc::itest
