// clusterd's configuration: a TOML file (--config) and command-line flags
// carrying the OpenSIPS clusterer module parameters under their OpenSIPS
// names and defaults (mi.md §8), plus the node's own settings (listeners, MI
// endpoint, logging). Flags override the file.
//
//   auto cl = lc::node::parse_command_line(argc, argv);
//   if (!cl) { print cl.error().message; exit 2 }
//   switch (cl->mode) { ... }
#pragma once

#include <spdlog/common.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libcluster/core/shtags.h"
#include "libcluster/core/types.h"
#include "libcluster/expected.h"
#include "libcluster/kv/settings.h"
#include "libcluster/store/store.h"
#include "node/log_format.h"

namespace lc::node {

// Where the MI (JSON-RPC) unix socket listens unless mi_socket says
// otherwise; an empty mi_socket disables it. nodectl should default to it too.
inline constexpr std::string_view kDefaultMiSocket = "/run/clusterd/clusterd.sock";

// A BIN listener (`socket = bin:IP:PORT`).
struct Listener {
  std::string proto = "bin";
  std::string host;  // an IP literal; IPv6 without brackets
  uint16_t port = 0;
};

// An IP:PORT endpoint (`mi_http`).
struct Endpoint {
  std::string host;  // an IP literal; IPv6 without brackets
  uint16_t port = 0;
};

// A `sharing_tag` definition, name/cluster_id=active|backup.
struct SharingTag {
  std::string name;
  int32_t cluster_id = 0;
  bool active = false;
};

// The replicated KV cache (cachedb_local's parameters, kv-capability.md §2.4).
struct KvSettings {
  int32_t cluster_id = 0;  // kv_cluster_id; 0: not replicated, no capability
  // kv_collection, `default` prepended when not listed; kv_url bindings.
  std::vector<kv::CollectionSpec> collections{kv::CollectionSpec{"default"}};
  std::vector<kv::UrlBinding> urls;
  kv::Persistency persistency = kv::Persistency::kSyncFromCluster;
  int32_t clean_period_s = 600;  // kv_clean_period, > 0
  std::string persist_file;      // kv_persist_file; empty: no restart persistency
};

// db_url, db_table and the *_col names. The column names are also the
// property names of my_node_info / neighbor_node_info.
struct DbSettings {
  std::string url;  // empty in db_mode 0
  store::TableNames names;
};

// The validated, effective configuration of a node.
struct NodeConfig {
  core::Config core;  // my_node_id, db_mode, timers, enable_rerouting
  // db_mode 0 only: one spec per my_node_info, with its neighbor_node_info
  // entries, in the order the clusters were first given.
  std::vector<core::ClusterSpec> clusters;
  DbSettings db;
  std::vector<Listener> listeners;  // at least one
  std::string mi_socket;            // empty: no MI unix socket
  std::optional<Endpoint> mi_http;  // none: no MI over HTTP
  spdlog::level::level_enum log_level = spdlog::level::info;
  logging::LogFormat log_format = logging::LogFormat::kText;
  std::string pid_file;  // empty: no pid file
  bool dispatch_jobs = true;
  // OpenSIPS's core tcp_max_msg_time: a connection whose partial packet is
  // older than this is closed (docs/decisions.md N1). 0: no limit.
  int32_t tcp_max_msg_time_s = 4;
  bool enable_stats = true;
  int32_t seed_fallback_interval_s = 5;
  int32_t sync_timeout_s = 15;
  int32_t sync_packet_size = 32768;
  std::vector<SharingTag> sharing_tags;  // in order of first definition
  // `sharing_tag_failover` (ours, off by default): tags this node takes
  // over automatically (docs/decisions.md SH10); each once, in order.
  std::vector<core::ShtagFailoverDefinition> sharing_tag_failover;
  KvSettings kv;
  // Values OpenSIPS accepts but corrects or reads loosely (log as warnings),
  // and settings ignored in this mode (log as info). Not part of the
  // effective configuration.
  std::vector<std::string> warnings;
  std::vector<std::string> notices;
};

// A configuration that cannot be used. `message` is the whole text to show
// (it names the key and the value); `key` and `value` are also given apart
// when there is one key to blame.
struct ConfigError {
  std::string key;
  std::string value;
  std::string message;
};

// What the command line asks clusterd to do.
enum class Mode {
  kRun,
  kCheckConfig,  // --check-config: the configuration is valid, exit 0
  kPrintConfig,  // --print-config: print render_toml(config), exit 0
  kHelp,         // --help: print text, exit 0
  kVersion,      // --version: print text, exit 0
};

struct CommandLine {
  Mode mode = Mode::kRun;
  std::string text;   // kHelp and kVersion: what to print
  NodeConfig config;  // kRun, kCheckConfig, kPrintConfig: validated
};

// Reads the flags and the --config file, validates them and builds the
// configuration. --help and --version win over configuration errors.
// An error means: print error().message, exit 2.
Expected<CommandLine, ConfigError> parse_command_line(int argc, const char* const* argv);

// The effective configuration as a TOML file that --config reads back to
// the same configuration (every key, defaults included).
std::string render_toml(const NodeConfig& cfg);

// Logs cfg.notices at info and cfg.warnings at warning level (spdlog's
// default logger): call once the logger is set up.
void log_messages(const NodeConfig& cfg);

}  // namespace lc::node
