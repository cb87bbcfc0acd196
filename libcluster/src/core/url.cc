#include "libcluster/core/url.h"

namespace lc::core {

namespace {

std::optional<uint16_t> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v > 65535) return std::nullopt;
  return static_cast<uint16_t>(v);
}

}  // namespace

std::optional<BinUrl> parse_bin_url(std::string_view url) {
  BinUrl out;
  if (url.starts_with("bins:")) {
    out.tls = true;
    out.port = 5556;
    url.remove_prefix(5);
  } else if (url.starts_with("bin:")) {
    url.remove_prefix(4);
  }
  std::string_view host, rest;
  if (url.starts_with("[")) {
    auto close = url.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = url.substr(1, close - 1);
    rest = url.substr(close + 1);
  } else {
    auto colon = url.find(':');
    host = url.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : url.substr(colon);
  }
  if (host.empty()) return std::nullopt;
  if (!rest.empty()) {
    if (!rest.starts_with(":")) return std::nullopt;
    auto port = parse_port(rest.substr(1));
    if (!port) return std::nullopt;  // also rejects "udp:1.2.3.4:5060"
    out.port = *port;
  }
  out.host = std::string(host);
  return out;
}

std::optional<std::string> url_host(std::string_view url) {
  auto u = parse_bin_url(url);
  if (!u) return std::nullopt;
  return u->host;
}

}  // namespace lc::core
