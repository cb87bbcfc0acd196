// The MI command registry. Every command is declared once, as a Command
// value: its JSON-RPC method name, help text, parameters (each with a type
// and a description), the parameter sets it accepts ("recipes", OpenSIPS's
// word), its nodectl subcommand and the handler. From that single
// declaration come the JSON-RPC dispatch (mi.md §1), `which`/`help`, and
// nodectl's CLI.
//
// Server side:  Registry r = make_clusterer_registry();
//               Reply rep = r.handle(ctx, http_body);   // on the engine thread
//               if (rep.response) send(to_text(*rep.response)); else 202
//               if (rep.stream) switch the connection to an event stream
// nodectl:      for (const Command& c : r.commands()) one subcommand c.cli_name
//               (aliases c.cli_aliases) with one positional per c.params, in
//               order, optional when c.optional(p.name); it sends the given
//               arguments as named params to method c.name.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libcluster/core/types.h"
#include "libcluster/mi/context.h"
#include "libcluster/mi/error.h"
#include "libcluster/mi/status_report.h"

namespace lc::mi {

enum class ParamType : uint8_t {
  kInt,     // a JSON number or a decimal string with an optional sign
  kString,  // a JSON string or number
  kArray,   // a JSON array of strings/numbers; on the CLI, the remaining words
};
std::string_view param_type_name(ParamType t);  // "int", "string", "array"

struct Param {
  std::string name{};
  ParamType type = ParamType::kInt;
  std::string help{};  // one line, for nodectl's --help
  // The fixed values the parameter takes, when it has some: hints for shell
  // completion and the man page; the handler still checks the value.
  std::vector<std::string> choices{};
};

// The parameters of one call, bound by name after a recipe matched. Values
// are converted on request, so a handler checks them in the order its spec
// table lists (mi.md §2), exactly like OpenSIPS's get_mi_*_param.
class Params {
 public:
  void bind(std::string name, const Json* value);
  bool has(std::string_view name) const;
  // §1.4 coercions; a missing name is the handler's bug (-32000).
  Expected<int32_t, MiError> get_int(std::string_view name) const;
  Expected<std::string, MiError> get_string(std::string_view name) const;
  // The array itself (possibly empty); -32602 bad type if not an array.
  Expected<const Json*, MiError> get_array(std::string_view name) const;

 private:
  const Json* find(std::string_view name) const;
  std::vector<std::pair<std::string, const Json*>> values_;
};

// Single-value coercions of §1.4. Numbers are truncated and saturated to
// 32 bits (cJSON's valueint); digit strings out of range are rejected.
std::optional<int32_t> coerce_int(const Json& v);
std::optional<std::string> coerce_string(const Json& v);
// Every item of an array as a string; -32602 bad array item otherwise.
Expected<std::vector<std::string>, MiError> array_strings(const Json& array,
                                                         std::string_view param);

class Registry;

// What a handler gets: the runtime, the registry (for `which`, `help` and
// the local run of cluster_broadcast_mi) and its parameters.
struct Call {
  Context& ctx;
  const Registry& registry;
  const Params& params;
};
using Handler = std::function<Result(Call&)>;
// A command that waits for I/O (clusterer_reload reads the database) answers
// through `done`, on the engine thread, possibly after returning, so the
// event loop keeps serving meanwhile. The Call does not outlive the handler
// call: copy what `done` needs.
using Done = std::function<void(Result)>;
using AsyncHandler = std::function<void(Call&, Done)>;

struct Command {
  std::string name{};    // JSON-RPC method, e.g. "clusterer_set_status"
  std::string help{};    // `help <name>` → "Help"
  std::string module{};  // `help <name>` → "Exported by"
  // Every parameter once. Their order is nodectl's positional order, so
  // optional ones (absent from some recipe) come after the required ones.
  std::vector<Param> params{};
  // Accepted parameter sets, each in positional (JSON array) order.
  std::vector<std::vector<std::string>> recipes{};
  std::string cli_name{};  // nodectl subcommand
  std::vector<std::string> cli_aliases{};
  // Success turns the connection into an event stream (the transport does
  // it); such a command cannot be run by cluster_*_mi.
  bool streaming = false;
  bool named_only = false;  // refuses positional params (none of ours)
  Handler handler{};            // exactly one of handler and async_handler
  AsyncHandler async_handler{};

  const Param* param(std::string_view name) const;
  // True when some recipe lacks the parameter.
  bool optional(std::string_view name) const;
};

// The events a streaming call subscribed to.
struct Subscription {
  std::vector<std::string> events;
  bool wants(const core::Event& e) const;
};

struct Reply {
  // The JSON-RPC response object; none for a notification (mi.md §1.2).
  std::optional<Json> response;
  // Set when a streaming command succeeded: after sending the response, the
  // transport streams event_notification() of the subscribed events.
  std::optional<Subscription> stream;
};

class Registry {
 public:
  // Throws std::logic_error on a malformed declaration (a recipe naming an
  // undeclared parameter, a duplicate name or CLI name, an optional
  // parameter before a required one...): these are programming errors.
  void add(Command cmd);

  const Command* find(std::string_view name) const;
  // Registration order, the order `which` lists.
  const std::vector<Command>& commands() const { return commands_; }

  StatusReports& status_reports() { return status_; }
  const StatusReports& status_reports() const { return status_; }

  // One JSON-RPC request: body text in, the reply to `done` (on the engine
  // thread; at once unless the command is asynchronous). Never throws for
  // any input.
  using ReplyDone = std::function<void(Reply)>;
  void handle_async(Context& ctx, std::string_view body, ReplyDone done) const;
  void handle_json_async(Context& ctx, const Json& request, ReplyDone done) const;
  // The same for contexts that complete every command at once (tests, or
  // only synchronous commands); an asynchronous command that has not
  // answered on return gets a -32000 error.
  Reply handle(Context& ctx, std::string_view body) const;
  Reply handle_json(Context& ctx, const Json& request) const;

  // Recipe matching (§1.3) and the handler; params is an array, an object,
  // or null / nullptr for none.
  void call_async(Context& ctx, const Command& cmd, const Json* params, Done done) const;
  Result call(Context& ctx, const Command& cmd, const Json* params) const;

  // cluster_broadcast_mi's local run and an MI_CMD received from a peer
  // (mi.md §2.6-2.7): positional string params; 400 errors for an unknown,
  // streaming or named-only command.
  Expected<const Command*, MiError> runnable(std::string_view name) const;
  void run_positional_async(Context& ctx, const Command& cmd,
                            const std::vector<std::string>& params, Done done) const;
  void run_command_async(Context& ctx, std::string_view name,
                         const std::vector<std::string>& params, Done done) const;

 private:
  void check_new(const Command& cmd) const;
  std::vector<Command> commands_;
  std::map<std::string, std::size_t, std::less<>> by_name_;
  StatusReports status_;
};

// The full MI surface of a clusterer node: core commands (which, help,
// get_statistics, sr_*), the clusterer commands, the script-function
// commands and subscribe, with the "clusterer" status group holding
// "node_states".
Registry make_clusterer_registry();

// An MI_CMD from a peer (MiCommandReceived): runs it and returns the line
// OpenSIPS logs on the destination ("MI command <name> returned with
// success" at INFO, or the error at ERROR).
struct RemoteRun {
  bool ok = false;
  std::string log;
};
void run_received(const Registry& registry, Context& ctx, const core::MiCommandReceived& cmd,
                  std::function<void(RemoteRun)> done);
// The same for synchronous commands (tests).
RemoteRun run_received(const Registry& registry, Context& ctx,
                       const core::MiCommandReceived& cmd);

}  // namespace lc::mi
