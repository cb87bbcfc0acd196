// Node URLs: [bin:|bins:]HOST[:PORT], HOST may be a bracketed IPv6 literal.
// A URL without protocol means bin; other protocols are rejected, as
// OpenSIPS's add_node_info does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lc::core {

struct BinUrl {
  bool tls = false;  // bins
  std::string host;  // without brackets
  uint16_t port = 5555;  // proto_bin's default when the URL has none
};

std::optional<BinUrl> parse_bin_url(std::string_view url);

// The host part only; nothing if the URL is malformed.
std::optional<std::string> url_host(std::string_view url);

}  // namespace lc::core
