#include "db_provisioning.h"

#include <netdb.h>
#include <sys/socket.h>

#include <asio/ip/address.hpp>

namespace lc::node {
namespace {

// Every address `host` resolves to, as text; empty when it does not resolve.
std::vector<std::string> resolve(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) return {};
  std::vector<std::string> out;
  for (addrinfo* a = res; a; a = a->ai_next) {
    char text[NI_MAXHOST];
    if (::getnameinfo(a->ai_addr, a->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST) == 0)
      out.emplace_back(text);
  }
  ::freeaddrinfo(res);
  return out;
}

bool same_ip(const std::string& a, const std::string& b) {
  asio::error_code ea, eb;
  auto x = asio::ip::make_address(a, ea);
  auto y = asio::ip::make_address(b, eb);
  return !ea && !eb && x == y;
}

bool is_wildcard(const std::string& ip) {
  asio::error_code ec;
  auto a = asio::ip::make_address(ip, ec);
  return !ec && a.is_unspecified();
}

}  // namespace

DbProvisioning::DbProvisioning(const NodeConfig& cfg)
    : db_url_(cfg.db.url), names_(cfg.db.names), my_node_id_(cfg.core.my_node_id),
      listeners_(cfg.listeners) {}

bool DbProvisioning::is_local(const core::BinUrl& url) const {
  if (url.tls) return false;  // no BINS listener: TLS is not supported
  const std::vector<std::string> ips = resolve(url.host);
  for (const auto& l : listeners_) {
    if (l.port != url.port) continue;
    if (is_wildcard(l.host)) return true;
    for (const auto& ip : ips)
      if (same_ip(ip, l.host)) return true;
  }
  return false;
}

Expected<store::Loaded, store::Error> DbProvisioning::load() const {
  auto st = store::open_store(db_url_, names_);
  if (!st) return unexpected(st.error());
  store::LoadHooks hooks{
      .is_local = [this](const core::BinUrl& u) { return is_local(u); },
      .resolves = [](const std::string& host) { return !resolve(host).empty(); },
  };
  return store::load(**st, names_.table, my_node_id_, hooks);
}

std::optional<std::string> DbProvisioning::write_state(int32_t cluster_id, int32_t node_id,
                                                       bool enabled) const {
  const bool local = node_id == my_node_id_;
  // The spec's texts (schema.md §4.3), with the cause appended.
  const std::string failed =
      local ? "Failed to update state in clusterer DB for cluster [" + std::to_string(cluster_id) + "]"
            : "Failed to update state in clusterer DB for node [" + std::to_string(node_id) +
                  "] cluster [" + std::to_string(cluster_id) + "]";
  auto st = store::open_store(db_url_, names_);
  if (!st) return failed + ": " + st.error().message;
  // The local node's rows change in every cluster, as OpenSIPS does.
  auto err = (*st)->set_state(node_id, local ? std::nullopt : std::optional<int64_t>(cluster_id),
                              enabled);
  if (err) return failed + ": " + err->message;
  return std::nullopt;
}

std::string DbProvisioning::explain(const store::Error& err) const {
  switch (err.code) {
    case store::ErrorCode::kNoSchema:
    case store::ErrorCode::kBadVersion:
      // The same names as this node, or migrate would create another table.
      return err.message + "; create or upgrade the schema with: " +
             store::migrate_command(db_url_, names_);
    case store::ErrorCode::kNoColumn:
      // migrate never alters an existing table: the names must be fixed.
      return err.message + "; make that *_col setting name the table's column, or give the "
             "table that column (nodectl db migrate does not change an existing table's columns)";
    case store::ErrorCode::kBadUrl:
      return err.message + "; fix db_url";
    case store::ErrorCode::kConnect:
      return err.message + "; check db_url and that the database is up";
    case store::ErrorCode::kInvalid:
      return err.message + "; fix the clusterer rows with nodectl db list / update";
    default:
      return err.message;
  }
}

}  // namespace lc::node
