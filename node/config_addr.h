// Addresses in the configuration: BIN listeners (bin:IP:PORT), the MI HTTP
// endpoint (IP:PORT) and node URLs ([bin:|bins:]HOST[:PORT]).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libcluster/core/url.h"
#include "libcluster/expected.h"
#include "node/config.h"

namespace lc::node::detail {

// Errors are a short problem text; the caller names the key and value.
Expected<Listener, std::string> parse_listener(std::string_view text);
Expected<Endpoint, std::string> parse_endpoint(std::string_view text);
// A node URL, accepted exactly when the engine accepts it
// (core::parse_bin_url); the error says what is wrong with it.
Expected<core::BinUrl, std::string> parse_node_url(std::string_view text);

std::string format_listener(const Listener& l);
std::string format_endpoint(const Endpoint& e);

// True when `host` is an IPv4 or IPv6 literal (IPv6 without brackets).
bool is_ip_literal(std::string_view host);

// True when one of `listeners` accepts connections to `url`: bin, same port,
// and the same IP or a wildcard listener (0.0.0.0, ::) of the same address
// family. `url.host` must be an IP literal to match.
bool listens_on(const std::vector<Listener>& listeners, const core::BinUrl& url);

}  // namespace lc::node::detail
