// The TOML subset of clusterd's config files. CLI11 2.1's own reader cuts
// values at '#' even inside quotes and does not unescape strings, which would
// break db_url passwords and round trips of --print-config; this reader
// replaces it (config_cli.cc plugs it into CLI11).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libcluster/expected.h"

namespace lc::node::detail {

// One `key = value` line. A scalar gives one value, an array one per element
// (possibly none). Integers and booleans are given as their text.
struct TomlEntry {
  std::string key;
  std::vector<std::string> values;
  bool array = false;
  int line = 0;
};

// Reads comments, bare keys, basic and literal one-line strings, decimal
// integers, booleans, and arrays of those (which may span lines). Tables,
// dotted keys, floats, dates and multi-line strings are rejected, as are
// duplicate keys. Errors read "line N: problem".
Expected<std::vector<TomlEntry>, std::string> parse_toml(std::string_view text);

// `s` as a TOML basic string: quoted, with '"', '\' and control characters
// escaped.
std::string toml_quote(std::string_view s);

}  // namespace lc::node::detail
