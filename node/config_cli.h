// The configuration keys, and reading them as text from the command line and
// the --config file with CLI11. Validation happens afterwards (config.cc) so
// that every error can quote the value exactly as it was given.
#pragma once

#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libcluster/expected.h"
#include "node/config.h"

namespace lc::node::detail {

enum class KeyKind { kInt, kText, kList };

// One key: an OpenSIPS clusterer module parameter or a node setting.
struct KeySpec {
  std::string_view name;
  KeyKind kind = KeyKind::kText;
  std::string_view default_value;  // as text; "" for none
  std::string_view group;
  std::string_view help;
};

// Every key, in the order --help and --print-config show them.
std::span<const KeySpec> config_keys();
// The default of `key` as text; `key` must be in config_keys().
std::string_view default_value(std::string_view key);

// The value of every key as text, defaults filled in.
struct Settings {
  std::map<std::string, std::string, std::less<>> scalars;
  std::map<std::string, std::vector<std::string>, std::less<>> lists;

  const std::string& scalar(std::string_view key) const { return scalars.find(key)->second; }
  const std::vector<std::string>& list(std::string_view key) const {
    return lists.find(key)->second;
  }
};

Settings default_settings();

struct CliResult {
  Mode mode = Mode::kRun;
  std::string text;  // help or version text
  Settings settings;
};

// Reads argv and the --config file. Flags win over the file; a list key
// given as flags replaces the file's list.
Expected<CliResult, ConfigError> read_command_line(int argc, const char* const* argv);

// `s` as a TOML document that read_command_line reads back.
std::string write_toml(const Settings& s);

}  // namespace lc::node::detail
