#include "sql_names.h"

#include <cstdint>
#include <cstdio>

namespace lc::store::detail {

namespace {

// OpenSIPS's version.table_name is CHAR(32)/VARCHAR(32).
constexpr size_t kTableNameChars = 32;
constexpr std::string_view kMigrationsPrefix = "libcluster:";

uint64_t fnv1a64(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

std::string quote_ident(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::optional<std::string> names_problem(const TableNames& n) {
  for (const auto& [setting, value] : named_settings(n)) {
    if (value->empty()) return std::string(setting) + " is empty";
    if (value->find('\0') != std::string::npos)
      return std::string(setting) + " contains a NUL character";
  }
  return std::nullopt;
}

std::string unique_index_name(std::string_view table) {
  return std::string(table) + "_clusterer_idx";
}

std::string quoted_column_list(const TableNames& n) {
  std::string out;
  for (const std::string* c : {&n.id, &n.cluster_id, &n.node_id, &n.url, &n.state,
                               &n.no_ping_retries, &n.priority, &n.sip_addr, &n.flags,
                               &n.description}) {
    if (!out.empty()) out += ", ";
    out += quote_ident(*c);
  }
  return out;
}

}  // namespace lc::store::detail

namespace lc::store {

std::string migrations_key(std::string_view table) {
  std::string key = std::string(detail::kMigrationsPrefix) + std::string(table);
  if (key.size() <= detail::kTableNameChars) return key;
  // Too long for OpenSIPS's column: a stable hash of the name instead.
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx",
                static_cast<unsigned long long>(detail::fnv1a64(table)));
  return std::string(detail::kMigrationsPrefix) + "#" + hash;
}

std::string migrate_command(std::string_view db_url, const TableNames& names) {
  std::string cmd = "nodectl db migrate --db_url " + mask_password(db_url);
  const TableNames defaults;
  const auto given = named_settings(names);
  const auto standard = named_settings(defaults);
  for (size_t i = 0; i < given.size(); ++i)
    if (*given[i].second != *standard[i].second)
      cmd += " --" + std::string(given[i].first) + " " + *given[i].second;
  return cmd;
}

std::optional<std::string_view> column_setting(const TableNames& names, std::string_view column) {
  for (const auto& [setting, name] : named_settings(names))
    if (setting != "db_table" && *name == column) return setting;
  return std::nullopt;
}

}  // namespace lc::store
