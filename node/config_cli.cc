#include "node/config_cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <iterator>
#include <memory>

#include "lc_build_info.h"
#include "man/roff.h"
#include "node/config_toml.h"

namespace lc::node::detail {

namespace {

using enum KeyKind;

constexpr std::string_view kNode = "Node";
constexpr std::string_view kProvisioning = "Provisioning";
constexpr std::string_view kColumns =
    "Table columns (also the my_node_info/neighbor_node_info properties)";
constexpr std::string_view kTimers = "Timers and features";
constexpr std::string_view kKvCache = "Replicated KV cache (OpenSIPS cachedb_local)";

// The OpenSIPS clusterer parameters keep their names and defaults (mi.md §8).
constexpr std::array kKeys = {
    KeySpec{"my_node_id", kInt, "", kNode,
            "Id of this node, the same in every cluster (>= 1, required)"},
    KeySpec{"socket", kList, "", kNode,
            "BIN listener bin:IP:PORT (IPv6: bin:[::1]:5001); repeatable"},
    KeySpec{"mi_socket", kText, kDefaultMiSocket, kNode,
            "Unix socket of the MI (JSON-RPC); empty: none"},
    KeySpec{"mi_http", kText, "", kNode, "IP:PORT of the MI over HTTP; empty: none"},
    KeySpec{"log_level", kText, "info", kNode, "trace, debug, info, warn, error, critical or off"},
    KeySpec{"log_format", kText, "text", kNode,
            "text (for people) or json (one object per line, for log shippers)"},
    KeySpec{"pid_file", kText, "", kNode, "Write the process id to this file; empty: none"},
    KeySpec{"db_mode", kInt, "1", kProvisioning,
            "0: nodes from my_node_info/neighbor_node_info and discovery; 1: from the database"},
    KeySpec{"db_url", kText, "", kProvisioning, "Database URL (required when db_mode is 1)"},
    KeySpec{"db_table", kText, "clusterer", kProvisioning, "Table of the nodes"},
    KeySpec{
        "my_node_info", kList, "", kProvisioning,
        "db_mode 0: this node in a cluster, e.g. cluster_id=1,url=bin:10.0.0.1:5555; repeatable"},
    KeySpec{
        "neighbor_node_info", kList, "", kProvisioning,
        "db_mode 0: a known peer, e.g. cluster_id=1,node_id=2,url=bin:10.0.0.2:5555; repeatable"},
    KeySpec{"sharing_tag", kList, "", kProvisioning,
            "Initial sharing tag state name/cluster_id=active|backup; repeatable"},
    KeySpec{"sharing_tag_failover", kList, "", kProvisioning,
            "Take sharing tag name/cluster_id over when nobody holds it (ours); repeatable"},
    KeySpec{"id_col", kText, "id", kColumns, "Row id column"},
    KeySpec{"cluster_id_col", kText, "cluster_id", kColumns, "Cluster id column"},
    KeySpec{"node_id_col", kText, "node_id", kColumns, "Node id column"},
    KeySpec{"url_col", kText, "url", kColumns, "BIN URL column"},
    KeySpec{"state_col", kText, "state", kColumns, "Administrative state column"},
    KeySpec{"no_ping_retries_col", kText, "no_ping_retries", kColumns, "Ping retries column"},
    KeySpec{"priority_col", kText, "priority", kColumns, "Routing priority column"},
    KeySpec{"sip_addr_col", kText, "sip_addr", kColumns, "SIP address column"},
    KeySpec{"flags_col", kText, "flags", kColumns, "Flags column (seed)"},
    KeySpec{"description_col", kText, "description", kColumns, "Description column"},
    KeySpec{"ping_interval", kInt, "4", kTimers, "Seconds between keep-alive pings"},
    KeySpec{"ping_timeout", kInt, "1000", kTimers, "Milliseconds to wait for a pong"},
    KeySpec{"node_timeout", kInt, "60", kTimers, "Seconds before a Down node is probed again"},
    KeySpec{"seed_fallback_interval", kInt, "5", kTimers,
            "Seconds before a seed node falls back to synced"},
    KeySpec{"sync_timeout", kInt, "15", kTimers, "Seconds before a data sync is given up"},
    KeySpec{"sync_packet_size", kInt, "32768", kTimers, "Bytes of sync data per packet"},
    KeySpec{"dispatch_jobs", kInt, "1", kTimers, "Non-zero: handle module packets in worker jobs"},
    KeySpec{"tcp_max_msg_time", kInt, "4", kTimers,
            "Seconds a partly received BIN packet may take to complete (0: no limit)"},
    KeySpec{"enable_stats", kInt, "1", kTimers, "Non-zero: keep the clusterer statistics"},
    KeySpec{"enable_rerouting", kInt, "1", kTimers, "Non-zero: relay packets when a direct link is down"},
    KeySpec{"kv_cluster_id", kInt, "0", kKvCache,
            "Cluster the cache replicates in (cachedb-local-repl); 0: not replicated"},
    KeySpec{"kv_collection", kList, "", kKvCache,
            "Collection name[/r][=N] (/r: replicated); 'default' always exists; repeatable"},
    KeySpec{"kv_cluster_persistency", kText, "sync-from-cluster", kKvCache,
            "sync-from-cluster: sync the cache from a peer at start; none: start empty"},
    KeySpec{"kv_clean_period", kInt, "600", kKvCache, "Seconds between expiry sweeps (> 0)"},
    KeySpec{"kv_persist_file", kText, "", kKvCache,
            "Keep the cache across clean restarts in this file; empty: off"},
    KeySpec{"kv_url", kList, "", kKvCache,
            "Bind an MI cache group: local:GROUP://COLLECTION or local://COLLECTION; repeatable"},
};

const KeySpec* find_key(std::string_view name) {
  auto it =
      std::find_if(kKeys.begin(), kKeys.end(), [name](const KeySpec& k) { return k.name == name; });
  return it == kKeys.end() ? nullptr : &*it;
}

// Replaces CLI11's INI/TOML reader with config_toml's, and checks the keys
// against the table so that errors carry a line number.
class TomlConfigReader final : public CLI::Config {
 public:
  // CLI11 rethrows a sliced copy of a FileError, so the full reason is also
  // left in `*error`.
  explicit TomlConfigReader(std::string* error) : error_(error) {}

  // Unused: render_toml writes configuration files.
  std::string to_config(const CLI::App*, bool, bool, std::string) const override { return {}; }

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    std::string text{std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>()};
    auto entries = parse_toml(text);
    if (!entries) fail(entries.error());
    std::vector<CLI::ConfigItem> items;
    for (auto& e : *entries) {
      check_entry(e);
      if (e.values.empty()) continue;  // `key = []`: the default, an empty list
      CLI::ConfigItem item;
      item.name = e.key;
      item.inputs = std::move(e.values);
      items.push_back(std::move(item));
    }
    return items;
  }

 private:
  void check_entry(const TomlEntry& e) const {
    const std::string where = "line " + std::to_string(e.line) + ": ";
    const KeySpec* key = find_key(e.key);
    if (!key) fail(where + "unknown key \"" + e.key + "\"");
    if (key->kind != kList && e.array) fail(where + e.key + " takes one value, not an array");
  }

  [[noreturn]] void fail(const std::string& reason) const {
    *error_ = reason;
    throw CLI::FileError(reason);
  }

  std::string* error_;
};

struct Requests {
  bool check_config = false;
  bool print_config = false;
  bool version = false;
  std::string man_page;  // "options" or "keys": a generated part of the man pages
};

void add_keys(CLI::App& app, Settings& s) {
  for (const KeySpec& k : kKeys) {
    const std::string flag = "--" + std::string(k.name);
    CLI::Option* opt = nullptr;
    if (k.kind == kList) {
      // One value per flag: `--socket A --socket B`, never `--socket A B`.
      opt = app.add_option(flag, s.lists[std::string(k.name)], std::string(k.help))
                ->allow_extra_args(false);
    } else {
      opt = app.add_option(flag, s.scalars[std::string(k.name)], std::string(k.help));
      if (!k.default_value.empty()) opt->default_str(std::string(k.default_value));
    }
    opt->group(std::string(k.group))->type_name(k.kind == kInt ? "INT" : "TEXT");
  }
}

void add_commands(CLI::App& app, Requests& r) {
  app.set_config("--config", "", "Read settings from this TOML file; flags override it")
      ->type_name("FILE");
  auto* check = app.add_flag("--check-config", r.check_config,
                             "Validate the configuration and exit (0: valid, 2: invalid)");
  auto* print = app.add_flag("--print-config", r.print_config,
                             "Print the effective configuration as TOML and exit");
  check->excludes(print);
  app.add_flag("--version", r.version, "Print the version and exit");
  // Hidden (no group): only the build calls it (man/CMakeLists.txt).
  auto* man = app.add_option("--man-page", r.man_page, "Print a part of the man pages and exit")
                  ->check(CLI::IsMember({"options", "keys"}))
                  ->group("");
  for (auto* opt : {check, print, man}) opt->configurable(false);
}

std::string_view kind_name(KeyKind k) {
  switch (k) {
    case kInt: return "integer";
    case kText: return "string";
    case kList: return "array of strings";
  }
  return "";
}

// clusterd.toml(5)'s keys: one .SS per group, each key with its type and
// default, from the table the parser uses.
std::string man_keys() {
  std::string out;
  std::string_view group;
  for (const KeySpec& k : kKeys) {
    if (k.group != group) {
      group = k.group;
      out += ".SS " + man::escape(group) + "\n";
    }
    std::string term = man::bold(k.name) + " (" + std::string(kind_name(k.kind));
    if (!k.default_value.empty())
      term += ", default " + man::escape(k.kind == kInt ? std::string(k.default_value)
                                                       : toml_quote(k.default_value));
    out += man::entry(term + ")", std::string(k.help));
  }
  return out;
}

std::string man_page(const CLI::App& app, const std::string& part) {
  return part == "keys" ? man_keys() : man::options(app, true);
}

ConfigError error(std::string key, std::string message) {
  return ConfigError{std::move(key), "", std::move(message)};
}

ConfigError file_error(const CLI::App& app, const std::string& reason) {
  const std::string file = app.get_config_ptr()->as<std::string>();
  if (reason.empty())
    return ConfigError{"config", file, "cannot read the config file \"" + file + "\""};
  return ConfigError{"config", file, "config file \"" + file + "\" " + reason};
}

// Anything left over: an unknown flag or a stray value.
ConfigError leftover_error(const std::vector<std::string>& rest) {
  const std::string& first = rest.front();
  if (first.starts_with("-")) return error(first, "unknown option \"" + first + "\"");
  return error(first, "unexpected argument \"" + first +
                          "\" (give list keys once per value: --socket A --socket B)");
}

Mode mode_of(const Requests& r) {
  if (r.version) return Mode::kVersion;
  if (r.print_config) return Mode::kPrintConfig;
  if (r.check_config) return Mode::kCheckConfig;
  return Mode::kRun;
}

}  // namespace

std::span<const KeySpec> config_keys() { return kKeys; }

std::string_view default_value(std::string_view key) { return find_key(key)->default_value; }

Settings default_settings() {
  Settings s;
  for (const KeySpec& k : kKeys) {
    if (k.kind == kList)
      s.lists[std::string(k.name)] = {};
    else
      s.scalars[std::string(k.name)] = std::string(k.default_value);
  }
  return s;
}

Expected<CliResult, ConfigError> read_command_line(int argc, const char* const* argv) {
  CliResult result;
  result.settings = default_settings();
  Requests requests;
  std::string file_reason;
  CLI::App app("clusterd: a cluster node compatible with the OpenSIPS 3.6 clusterer", "clusterd");
  app.config_formatter(std::make_shared<TomlConfigReader>(&file_reason));
  app.allow_extras(true);
  app.get_formatter()->column_width(36);
  app.footer(
      "Every option is also a key of the --config file: key = value, repeatable options as "
      "arrays (socket = [\"bin:10.0.0.1:5555\"]). Flags override the file; a list given as "
      "flags replaces the file's list.\nExit status 2: invalid configuration.");
  add_keys(app, result.settings);
  add_commands(app, requests);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return CliResult{Mode::kHelp, app.help(), {}};
  } catch (const CLI::FileError&) {
    return unexpected(file_error(app, file_reason));
  } catch (const CLI::ParseError& e) {
    return unexpected(error("", e.what()));
  }
  if (!app.remaining().empty()) return unexpected(leftover_error(app.remaining()));
  if (!requests.man_page.empty()) return CliResult{Mode::kHelp, man_page(app, requests.man_page), {}};
  result.mode = mode_of(requests);
  if (result.mode == Mode::kVersion) result.text = "clusterd " LC_VERSION_TEXT "\n";
  return result;
}

std::string write_toml(const Settings& s) {
  std::string out = "# clusterd configuration (clusterd --print-config)\n";
  std::string_view group;
  for (const KeySpec& k : kKeys) {
    if (k.group != group) {
      group = k.group;
      out += "\n# " + std::string(group) + "\n";
    }
    out += std::string(k.name) + " = ";
    if (k.kind == kInt) {
      out += s.scalar(k.name) + "\n";
    } else if (k.kind == kText) {
      out += toml_quote(s.scalar(k.name)) + "\n";
    } else if (s.list(k.name).empty()) {
      out += "[]\n";
    } else {
      out += "[\n";
      for (const auto& v : s.list(k.name)) out += "  " + toml_quote(v) + ",\n";
      out += "]\n";
    }
  }
  return out;
}

}  // namespace lc::node::detail
