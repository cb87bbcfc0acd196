// The gateway's view of one node: MI calls (OpenSIPS JSON-RPC) over the
// node's unix socket or over HTTP (clusterd's mi_http or OpenSIPS's mi_http).
// Every call is bounded by a timeout and reports what it came to: the
// node's result, the node's JSON-RPC error, or why the node did not answer.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace lc::gateway {

using Json = nlohmann::ordered_json;

struct MiOutcome {
  enum class Kind {
    kResult,       // the node answered with a result
    kMiError,      // the node answered with a JSON-RPC error
    kUnreachable,  // no connection, or it broke
    kTimeout,      // connected, but no reply within the timeout
    kBadReply,     // the node answered something that is not a JSON-RPC response
  };
  Kind kind = Kind::kUnreachable;
  Json result;          // kResult
  int mi_code = 0;      // kMiError
  std::string message;  // kMiError: the MI message; otherwise what failed and where
  std::string data;     // kMiError: the MI detail text, when the node sent one
};

class MiBackend {
 public:
  virtual ~MiBackend() = default;
  // One request/response; safe to call from several threads at once.
  virtual MiOutcome call(const std::string& method, const Json& params,
                         std::chrono::milliseconds timeout) = 0;
  // "unix:/path" or "http://host:port/path", for logs and error details.
  virtual const std::string& address() const = 0;
};

// Several MI calls to one node for one answer (a scrape, a readiness
// probe): once the node has not answered one (unreachable, no reply in
// time, garbage), the rest are skipped, so a dead node costs one timeout,
// not one per call.
class CallSequence {
 public:
  CallSequence(MiBackend& node, std::chrono::milliseconds timeout) : node_(node), timeout_(timeout) {}
  // The result; nothing when the node answered an MI error or was silent.
  std::optional<Json> ask(const std::string& method, const Json& params);
  bool node_answered() const { return answered_; }
  // The call the node did not answer, when !node_answered().
  const MiOutcome& silence() const { return silence_; }

 private:
  MiBackend& node_;
  std::chrono::milliseconds timeout_;
  bool answered_ = true;
  MiOutcome silence_;
};

// `node` is "unix:/path/to/mi.sock" or "http://IP:PORT/PATH"; nothing (and
// the reason in *error) when it is neither.
std::unique_ptr<MiBackend> make_backend(const std::string& node, std::string* error);

// A connected unix stream socket (close-on-exec), or -1 and the reason.
int connect_unix(const std::string& path, std::string* error);

// A JSON-RPC response object → outcome (shared by both transports).
MiOutcome outcome_of_response(const Json& response, const std::string& where);

}  // namespace lc::gateway
