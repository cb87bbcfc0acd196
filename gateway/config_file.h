// cluster-gateway's --config FILE: the same TOML subset as clusterd's
// (node/config_toml.h), one `flag-name = value` per line, e.g.
//   node = "unix:/run/clusterd/n1/mi.sock"
//   listen = "0.0.0.0:8080"
//   token-file = "/etc/clusterd/gateway.token"
// Flags given on the command line override the file.
#pragma once

#include <CLI/CLI.hpp>

namespace lc::gateway {

// Plugs the reader into `app`; an unknown key or a bad line stops the
// parse with a message that names the line.
void use_toml_config(CLI::App& app);

}  // namespace lc::gateway
