#include "node/config.h"

#include <spdlog/spdlog.h>
#include <sys/un.h>

#include <algorithm>
#include <array>
#include <span>
#include <tuple>
#include <utility>

#include "libcluster/core/engine.h"
#include "node/config_addr.h"
#include "node/config_cli.h"
#include "node/config_nodes.h"
#include "node/config_values.h"

namespace lc::node {

namespace {

using detail::key_error;
using detail::Settings;

using Step = std::optional<ConfigError> (*)(const Settings&, NodeConfig&);

ConfigError missing(std::string key, const std::string& problem) {
  std::string message = key + " is not set: " + problem;
  return ConfigError{std::move(key), "", std::move(message)};
}

Expected<int32_t, ConfigError> int_setting(const Settings& s, std::string_view key) {
  const std::string& text = s.scalar(key);
  auto v = detail::parse_decimal(detail::trim(text));
  if (!v) return unexpected(key_error(key, text, "not a decimal integer"));
  return *v;
}

// OpenSIPS declares these switches INT parameters and tests them against 0,
// so any integer is accepted: 0 is off, every other value on.
Expected<bool, ConfigError> switch_setting(const Settings& s, std::string_view key) {
  const std::string& text = s.scalar(key);
  auto v = detail::parse_switch(detail::trim(text));
  if (!v)
    return unexpected(
        key_error(key, text, "expected an integer (0 off, any other value on) or true/false"));
  return *v;
}

// OpenSIPS starts anyway with the default, after a warning (topology.md §1).
int32_t corrected(const Settings& s, std::string_view key, int32_t value, int32_t min,
                  NodeConfig& cfg) {
  if (value >= min) return value;
  const std::string_view fallback = detail::default_value(key);
  cfg.warnings.push_back(key_error(key, s.scalar(key),
                                   "must be >= " + std::to_string(min) + ", using the default " +
                                       std::string(fallback))
                             .message);
  return *detail::parse_decimal(fallback);
}

std::optional<ConfigError> read_identity(const Settings& s, NodeConfig& cfg) {
  if (detail::trim(s.scalar("my_node_id")).empty())
    return missing("my_node_id", "every node needs an id >= 1 (--my_node_id N)");
  auto id = int_setting(s, "my_node_id");
  if (!id) return id.error();
  if (*id < 1) return key_error("my_node_id", s.scalar("my_node_id"), "must be >= 1");
  cfg.core.my_node_id = *id;
  return std::nullopt;
}

// The column names double as my_node_info/neighbor_node_info property keys,
// which are split at ',' and '=' and trimmed: such characters cannot work.
std::optional<ConfigError> read_columns(const Settings& s, NodeConfig& cfg) {
  // Every setting but db_table (read with the database settings).
  const auto all = store::named_settings(cfg.db.names);
  const std::span cols(all.begin() + 1, all.end());
  for (auto [key, target] : cols) {
    const std::string& name = s.scalar(key);
    if (name.empty() || name.find_first_of(",= \t\r\n") != std::string::npos)
      return key_error(key, name, "a column name must be non-empty, without ',', '=' or spaces");
    *target = name;
  }
  for (auto a = cols.begin(); a != cols.end(); ++a)
    for (auto b = cols.begin(); b != a; ++b)
      if (*a->second == *b->second)
        return key_error(a->first, *a->second, "same name as " + std::string(b->first));
  return std::nullopt;
}

std::optional<ConfigError> read_database(const Settings& s, NodeConfig& cfg) {
  auto db_mode = int_setting(s, "db_mode");
  if (!db_mode) return db_mode.error();
  cfg.core.db_mode = *db_mode != 0;
  cfg.db.url = s.scalar("db_url");
  cfg.db.names.table = s.scalar("db_table");
  if (cfg.core.db_mode && cfg.db.url.empty())
    return missing("db_url", "required when db_mode is " + s.scalar("db_mode") +
                                 " (use db_mode 0 to list the nodes in the configuration)");
  if (cfg.db.names.table.empty()) return key_error("db_table", "", "must not be empty");
  return read_columns(s, cfg);
}

std::optional<ConfigError> read_timers(const Settings& s, NodeConfig& cfg) {
  const std::tuple<std::string_view, int32_t, int32_t*> timers[] = {
      {"ping_interval", 1, &cfg.core.ping_interval_s},
      {"ping_timeout", 1, &cfg.core.ping_timeout_ms},
      {"node_timeout", 0, &cfg.core.node_timeout_s},
      {"seed_fallback_interval", 0, &cfg.seed_fallback_interval_s},
      {"tcp_max_msg_time", 0, &cfg.tcp_max_msg_time_s},
  };
  for (auto [key, min, target] : timers) {
    auto v = int_setting(s, key);
    if (!v) return v.error();
    *target = corrected(s, key, *v, min, cfg);
  }
  cfg.core.seed_fallback_interval_s = cfg.seed_fallback_interval_s;  // the engine's copy
  return std::nullopt;
}

// OpenSIPS does not check these (mi.md §8): neither do we.
std::optional<ConfigError> read_sync(const Settings& s, NodeConfig& cfg) {
  const std::pair<std::string_view, int32_t*> ints[] = {
      {"sync_timeout", &cfg.sync_timeout_s},
      {"sync_packet_size", &cfg.sync_packet_size},
  };
  for (auto [key, target] : ints) {
    auto v = int_setting(s, key);
    if (!v) return v.error();
    *target = *v;
  }
  cfg.core.sync_timeout_s = cfg.sync_timeout_s;  // the engine's copies
  cfg.core.sync_packet_size = cfg.sync_packet_size;
  return std::nullopt;
}

std::optional<ConfigError> read_switches(const Settings& s, NodeConfig& cfg) {
  const std::pair<std::string_view, bool*> switches[] = {
      {"dispatch_jobs", &cfg.dispatch_jobs},
      {"enable_stats", &cfg.enable_stats},
      {"enable_rerouting", &cfg.core.enable_rerouting},
  };
  for (auto [key, target] : switches) {
    auto v = switch_setting(s, key);
    if (!v) return v.error();
    *target = *v;
  }
  return std::nullopt;
}

std::optional<ConfigError> read_listeners(const Settings& s, NodeConfig& cfg) {
  for (const std::string& text : s.list("socket")) {
    auto l = detail::parse_listener(detail::trim(text));
    if (!l) return key_error("socket", text, l.error());
    for (const Listener& prev : cfg.listeners)
      if (prev.host == l->host && prev.port == l->port)
        return key_error("socket", text, "listed twice");
    cfg.listeners.push_back(*l);
  }
  if (cfg.listeners.empty())
    return missing("socket", "at least one BIN listener is required (--socket bin:IP:PORT)");
  return std::nullopt;
}

std::optional<ConfigError> read_management(const Settings& s, NodeConfig& cfg) {
  cfg.mi_socket = s.scalar("mi_socket");
  if (cfg.mi_socket.size() >= sizeof(sockaddr_un::sun_path))
    return key_error("mi_socket", cfg.mi_socket,
                     "longer than " + std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                         " bytes, the limit of a unix socket path");
  if (const std::string& http = s.scalar("mi_http"); !http.empty()) {
    auto e = detail::parse_endpoint(detail::trim(http));
    if (!e) return key_error("mi_http", http, e.error());
    cfg.mi_http = *e;
  }
  auto level = detail::parse_log_level(detail::trim(s.scalar("log_level")));
  if (!level)
    return key_error("log_level", s.scalar("log_level"),
                     "expected trace, debug, info, warn, error, critical or off");
  cfg.log_level = *level;
  auto format = logging::parse_log_format(detail::trim(s.scalar("log_format")));
  if (!format) return key_error("log_format", s.scalar("log_format"), "expected text or json");
  cfg.log_format = *format;
  cfg.pid_file = s.scalar("pid_file");
  return std::nullopt;
}

// A tag defined twice keeps its first place and takes the last state, as
// OpenSIPS finds the existing tag and forces its state.
std::optional<ConfigError> read_sharing_tags(const Settings& s, NodeConfig& cfg) {
  for (const std::string& text : s.list("sharing_tag")) {
    auto parsed = detail::parse_sharing_tag(text);
    if (!parsed) return key_error("sharing_tag", text, parsed.error());
    if (parsed->loose_state)
      cfg.warnings.push_back("sharing_tag \"" + text + "\": state read as " +
                             (parsed->tag.active ? "active" : "backup") +
                             " (OpenSIPS prefix match); write active or backup");
    const SharingTag& tag = parsed->tag;
    auto same = std::find_if(
        cfg.sharing_tags.begin(), cfg.sharing_tags.end(),
        [&](const SharingTag& t) { return t.name == tag.name && t.cluster_id == tag.cluster_id; });
    if (same == cfg.sharing_tags.end())
      cfg.sharing_tags.push_back(tag);
    else
      same->active = tag.active;
  }
  return std::nullopt;
}

// cachedb_local's rules (kv-capability.md §2.4): a bad collection, URL or
// clean period stops the node; an unknown persistency keeps the default.
std::optional<ConfigError> read_kv(const Settings& s, NodeConfig& cfg) {
  KvSettings& kv = cfg.kv;
  auto cluster = int_setting(s, "kv_cluster_id");
  if (!cluster) return cluster.error();
  if (*cluster < 0) return key_error("kv_cluster_id", s.scalar("kv_cluster_id"), "must be >= 0");
  kv.cluster_id = *cluster;
  auto collections = kv::build_collections(s.list("kv_collection"));
  if (!collections) return ConfigError{"kv_collection", "", "invalid kv_collection " + collections.error()};
  kv.collections = std::move(*collections);
  auto urls = kv::build_urls(s.list("kv_url"), kv.collections);
  if (!urls) return ConfigError{"kv_url", "", "invalid kv_url " + urls.error()};
  kv.urls = std::move(*urls);
  const std::string& persistency = s.scalar("kv_cluster_persistency");
  if (auto p = kv::parse_persistency(detail::trim(persistency)))
    kv.persistency = *p;
  else
    cfg.warnings.push_back(key_error("kv_cluster_persistency", persistency,
                                     "expected sync-from-cluster or none, using sync-from-cluster")
                               .message);
  auto period = int_setting(s, "kv_clean_period");
  if (!period) return period.error();
  if (*period <= 0) return key_error("kv_clean_period", s.scalar("kv_clean_period"), "must be > 0");
  kv.clean_period_s = *period;
  kv.persist_file = s.scalar("kv_persist_file");
  if (kv.cluster_id == 0)
    for (const kv::CollectionSpec& c : kv.collections)
      if (c.replicated)
        cfg.warnings.push_back("collection " + c.name + " is replicated but no 'cluster_id' defined!");
  return std::nullopt;
}

// A tag given twice is kept once, at its first place.
std::optional<ConfigError> read_sharing_tag_failover(const Settings& s, NodeConfig& cfg) {
  for (const std::string& text : s.list("sharing_tag_failover")) {
    auto tag = detail::parse_sharing_tag_failover(text);
    if (!tag) return key_error("sharing_tag_failover", text, tag.error());
    auto& list = cfg.sharing_tag_failover;
    const bool known = std::any_of(list.begin(), list.end(), [&](const auto& t) {
      return t.name == tag->name && t.cluster_id == tag->cluster_id;
    });
    if (!known) list.push_back(std::move(*tag));
  }
  return std::nullopt;
}

void note_ignored_node_info(const Settings& s, NodeConfig& cfg) {
  for (std::string_view key : {"my_node_info", "neighbor_node_info"})
    if (!s.list(key).empty())
      cfg.notices.push_back(std::string(key) + " is ignored: db_mode is " + s.scalar("db_mode") +
                            ", the nodes come from the database");
}

std::optional<ConfigError> read_clusters(const Settings& s, NodeConfig& cfg) {
  if (cfg.core.db_mode) {
    note_ignored_node_info(s, cfg);
    return std::nullopt;
  }
  auto clusters = detail::build_clusters(s.list("my_node_info"), s.list("neighbor_node_info"),
                                         cfg.core.my_node_id, cfg.db.names, cfg.listeners);
  if (!clusters) return clusters.error();
  cfg.clusters = std::move(*clusters);
  if (cfg.clusters.empty())
    cfg.warnings.push_back("db_mode is 0 and no my_node_info is given: the node is in no cluster");
  return std::nullopt;
}

std::optional<ConfigError> check_engine(const Settings&, NodeConfig& cfg) {
  if (auto problem = core::Engine::validate(cfg.core, cfg.clusters))
    return ConfigError{"", "", "invalid cluster configuration: " + *problem};
  return std::nullopt;
}

Expected<NodeConfig, ConfigError> build_config(const Settings& s) {
  // Listeners before clusters: my_node_info URLs must be among them.
  constexpr Step kSteps[] = {read_identity, read_database,  read_timers,     read_sync,
                             read_switches, read_listeners, read_management, read_sharing_tags,
                             read_sharing_tag_failover, read_clusters, check_engine, read_kv};
  NodeConfig cfg;
  for (Step step : kSteps)
    if (auto err = step(s, cfg)) return unexpected(std::move(*err));
  return cfg;
}

void put_scalars(const NodeConfig& cfg, Settings& s) {
  auto num = [](int64_t v) { return std::to_string(v); };
  s.scalars["my_node_id"] = num(cfg.core.my_node_id);
  s.scalars["mi_socket"] = cfg.mi_socket;
  s.scalars["mi_http"] = cfg.mi_http ? detail::format_endpoint(*cfg.mi_http) : "";
  s.scalars["log_level"] = std::string(detail::log_level_name(cfg.log_level));
  s.scalars["log_format"] = std::string(logging::log_format_name(cfg.log_format));
  s.scalars["pid_file"] = cfg.pid_file;
  s.scalars["db_mode"] = num(cfg.core.db_mode);
  s.scalars["db_url"] = cfg.db.url;
  for (auto [key, name] : store::named_settings(cfg.db.names)) s.scalars[std::string(key)] = *name;
  s.scalars["ping_interval"] = num(cfg.core.ping_interval_s);
  s.scalars["ping_timeout"] = num(cfg.core.ping_timeout_ms);
  s.scalars["node_timeout"] = num(cfg.core.node_timeout_s);
  s.scalars["seed_fallback_interval"] = num(cfg.seed_fallback_interval_s);
  s.scalars["sync_timeout"] = num(cfg.sync_timeout_s);
  s.scalars["sync_packet_size"] = num(cfg.sync_packet_size);
  s.scalars["dispatch_jobs"] = num(cfg.dispatch_jobs);
  s.scalars["tcp_max_msg_time"] = num(cfg.tcp_max_msg_time_s);
  s.scalars["enable_stats"] = num(cfg.enable_stats);
  s.scalars["enable_rerouting"] = num(cfg.core.enable_rerouting);
  s.scalars["kv_cluster_id"] = num(cfg.kv.cluster_id);
  s.scalars["kv_cluster_persistency"] = std::string(kv::persistency_name(cfg.kv.persistency));
  s.scalars["kv_clean_period"] = num(cfg.kv.clean_period_s);
  s.scalars["kv_persist_file"] = cfg.kv.persist_file;
}

void put_lists(const NodeConfig& cfg, Settings& s) {
  for (const Listener& l : cfg.listeners) s.lists["socket"].push_back(detail::format_listener(l));
  for (const SharingTag& t : cfg.sharing_tags)
    s.lists["sharing_tag"].push_back(detail::format_sharing_tag(t));
  for (const auto& t : cfg.sharing_tag_failover)
    s.lists["sharing_tag_failover"].push_back(detail::format_sharing_tag_failover(t));
  for (const kv::CollectionSpec& c : cfg.kv.collections)
    s.lists["kv_collection"].push_back(kv::format_collection(c));
  for (const kv::UrlBinding& u : cfg.kv.urls) s.lists["kv_url"].push_back(kv::format_url(u));
  const store::TableNames& cols = cfg.db.names;
  for (const core::ClusterSpec& c : cfg.clusters) {
    s.lists["my_node_info"].push_back(detail::format_node_spec(c.cluster_id, c.local, cols));
    for (const core::NodeInfo& n : c.nodes)
      s.lists["neighbor_node_info"].push_back(detail::format_node_spec(c.cluster_id, n, cols));
  }
}

// The inverse of build_config: what --config must say to get `cfg` back.
Settings to_settings(const NodeConfig& cfg) {
  Settings s = detail::default_settings();
  put_scalars(cfg, s);
  put_lists(cfg, s);
  return s;
}

}  // namespace

Expected<CommandLine, ConfigError> parse_command_line(int argc, const char* const* argv) {
  auto cli = detail::read_command_line(argc, argv);
  if (!cli) return unexpected(cli.error());
  CommandLine out{cli->mode, std::move(cli->text), {}};
  if (out.mode == Mode::kHelp || out.mode == Mode::kVersion) return out;
  auto cfg = build_config(cli->settings);
  if (!cfg) return unexpected(cfg.error());
  out.config = std::move(*cfg);
  return out;
}

std::string render_toml(const NodeConfig& cfg) { return detail::write_toml(to_settings(cfg)); }

void log_messages(const NodeConfig& cfg) {
  for (const auto& text : cfg.notices) spdlog::info("{}", text);
  for (const auto& text : cfg.warnings) spdlog::warn("{}", text);
}

}  // namespace lc::node
