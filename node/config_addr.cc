#include "node/config_addr.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

namespace lc::node::detail {

namespace {

// An IP address as bytes, to compare spellings such as ::1 and 0:0::1.
struct IpBytes {
  int family = 0;
  std::array<unsigned char, 16> bytes{};
  bool operator==(const IpBytes&) const = default;
};

std::optional<IpBytes> ip_bytes(const std::string& host) {
  IpBytes ip;
  if (inet_pton(AF_INET, host.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET;
    return ip;
  }
  if (inet_pton(AF_INET6, host.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET6;
    return ip;
  }
  return std::nullopt;
}

bool is_wildcard(const IpBytes& ip) {
  return std::all_of(ip.bytes.begin(), ip.bytes.end(), [](unsigned char b) { return b == 0; });
}

std::optional<uint16_t> parse_port(std::string_view s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 1 || v > 65535) return std::nullopt;
  return static_cast<uint16_t>(v);
}

struct HostPort {
  std::string host;
  std::string_view port;  // empty when absent
  bool bracketed = false;
};

// HOST[:PORT] where an IPv6 HOST is written in brackets.
Expected<HostPort, std::string> split_host_port(std::string_view s) {
  HostPort hp;
  std::string_view rest;
  if (s.starts_with("[")) {
    auto close = s.find(']');
    if (close == std::string_view::npos)
      return unexpected(std::string("missing ']' after the IPv6 address"));
    hp.host = std::string(s.substr(1, close - 1));
    hp.bracketed = true;
    rest = s.substr(close + 1);
  } else {
    auto colon = s.find(':');
    hp.host = std::string(s.substr(0, colon));
    if (colon != std::string_view::npos) rest = s.substr(colon);
  }
  if (hp.host.empty()) return unexpected(std::string("missing host"));
  if (!rest.empty()) {
    if (!rest.starts_with(":")) return unexpected(std::string("unexpected text after the host"));
    hp.port = rest.substr(1);
  }
  return hp;
}

// HOST must be an IP literal; IPv6 only in brackets, IPv4 never.
Expected<HostPort, std::string> split_ip_port(std::string_view s) {
  if (!s.starts_with("[") && std::count(s.begin(), s.end(), ':') > 1)
    return unexpected(std::string("an IPv6 address must be written in brackets, e.g. [::1]:5001"));
  auto hp = split_host_port(s);
  if (!hp) return hp;
  auto ip = ip_bytes(hp->host);
  if (!ip) return unexpected("\"" + hp->host + "\" is not an IP address");
  if ((ip->family == AF_INET6) != hp->bracketed)
    return unexpected(std::string("only IPv6 addresses are written in brackets"));
  if (hp->port.empty()) return unexpected(std::string("missing port"));
  if (!parse_port(hp->port)) return unexpected("bad port \"" + std::string(hp->port) + "\"");
  return hp;
}

// Why core::parse_bin_url refused `text`.
std::string explain_bad_url(std::string_view text) {
  for (std::string_view proto : {"bins:", "bin:"})
    if (text.starts_with(proto)) {
      text.remove_prefix(proto.size());
      break;
    }
  if (!text.starts_with("[") && std::count(text.begin(), text.end(), ':') > 1)
    return "too many ':' (IPv6 goes in brackets; only bin: or bins: may come before HOST)";
  auto hp = split_host_port(text);
  if (!hp) return hp.error();
  return "bad port \"" + std::string(hp->port) + "\"";
}

std::string bracket_if_v6(const std::string& host) {
  return host.find(':') == std::string::npos ? host : "[" + host + "]";
}

}  // namespace

bool is_ip_literal(std::string_view host) { return ip_bytes(std::string(host)).has_value(); }

Expected<Listener, std::string> parse_listener(std::string_view text) {
  if (text.starts_with("bins:"))
    return unexpected(std::string("bins (TLS) listeners are not supported, use bin:IP:PORT"));
  if (!text.starts_with("bin:")) return unexpected(std::string("expected bin:IP:PORT"));
  auto hp = split_ip_port(text.substr(4));
  if (!hp) return unexpected(hp.error() + " (expected bin:IP:PORT)");
  return Listener{"bin", hp->host, *parse_port(hp->port)};
}

Expected<Endpoint, std::string> parse_endpoint(std::string_view text) {
  auto hp = split_ip_port(text);
  if (!hp) return unexpected(hp.error() + " (expected IP:PORT)");
  return Endpoint{hp->host, *parse_port(hp->port)};
}

Expected<core::BinUrl, std::string> parse_node_url(std::string_view text) {
  if (auto url = core::parse_bin_url(text)) return *url;
  return unexpected(explain_bad_url(text) + " (expected [bin:|bins:]HOST[:PORT])");
}

std::string format_listener(const Listener& l) {
  return l.proto + ":" + bracket_if_v6(l.host) + ":" + std::to_string(l.port);
}

std::string format_endpoint(const Endpoint& e) {
  return bracket_if_v6(e.host) + ":" + std::to_string(e.port);
}

bool listens_on(const std::vector<Listener>& listeners, const core::BinUrl& url) {
  auto want = ip_bytes(url.host);
  if (!want || url.tls) return false;  // listeners are bin only
  return std::any_of(listeners.begin(), listeners.end(), [&](const Listener& l) {
    auto have = ip_bytes(l.host);
    if (!have || l.port != url.port) return false;
    return *have == *want || (have->family == want->family && is_wildcard(*have));
  });
}

}  // namespace lc::node::detail
