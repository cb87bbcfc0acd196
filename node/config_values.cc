#include "node/config_values.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

namespace lc::node::detail {

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  });
  return out;
}

// OpenSIPS compares the state with "active", then "backup", over the value's
// own length only: a prefix test, so "" and "a" mean active.
std::optional<bool> match_state(std::string_view v) {
  for (auto [word, active] : {std::pair{std::string_view("active"), true},
                              std::pair{std::string_view("backup"), false}}) {
    if (v.size() <= word.size() && word.starts_with(v)) return active;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<std::string_view, spdlog::level::level_enum>, 8> kLevels{{
    {"trace", spdlog::level::trace},
    {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},
    {"warn", spdlog::level::warn},
    {"warning", spdlog::level::warn},
    {"error", spdlog::level::err},
    {"critical", spdlog::level::critical},
    {"off", spdlog::level::off},
}};

}  // namespace

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

ConfigError key_error(std::string_view key, std::string_view value, std::string_view problem) {
  std::string message = "invalid ";
  message.append(key).append(" \"").append(value).append("\": ").append(problem);
  return ConfigError{std::string(key), std::string(value), std::move(message)};
}

std::optional<int32_t> parse_decimal(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  auto v = parse_unsigned(s);
  if (!v) {
    // INT32_MIN has no positive counterpart.
    if (negative && s == "2147483648") return INT32_MIN;
    return std::nullopt;
  }
  return negative ? -*v : *v;
}

std::optional<int32_t> parse_unsigned(std::string_view s) {
  if (!all_digits(s)) return std::nullopt;
  int32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<bool> parse_switch(std::string_view s) {
  std::string l = lower(s);
  if (l == "true") return true;
  if (l == "false") return false;
  auto v = parse_decimal(s);
  if (!v) return std::nullopt;
  return *v != 0;
}

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view s) {
  std::string l = lower(s);
  for (auto [name, level] : kLevels)
    if (name == l) return level;
  return std::nullopt;
}

std::string_view log_level_name(spdlog::level::level_enum level) {
  for (auto [name, l] : kLevels)
    if (l == level) return name;  // the first spelling is the canonical one
  return "info";
}

Expected<ParsedSharingTag, std::string> parse_sharing_tag(std::string_view text) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos)
    return unexpected(std::string("bad definition, expected name/cluster_id=active|backup"));
  std::string_view state = trim(text.substr(eq + 1));
  auto active = match_state(state);
  if (!active)
    return unexpected("bad state \"" + std::string(state) + "\", allowed only active or backup");
  std::string_view naming = text.substr(0, eq);
  auto slash = naming.find('/');
  if (slash == std::string_view::npos)
    return unexpected(std::string("bad naming, name/cluster_id expected"));
  std::string_view name = trim(naming.substr(0, slash));
  std::string_view cluster = trim(naming.substr(slash + 1));
  auto cluster_id = parse_unsigned(cluster);
  if (!cluster_id) return unexpected("invalid cluster id \"" + std::string(cluster) + "\"");
  if (name.empty()) return unexpected(std::string("empty tag name"));
  ParsedSharingTag parsed;
  parsed.tag = SharingTag{std::string(name), *cluster_id, *active};
  parsed.loose_state = state != "active" && state != "backup";
  return parsed;
}

Expected<core::ShtagFailoverDefinition, std::string> parse_sharing_tag_failover(
    std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos)
    return unexpected(std::string("bad naming, name/cluster_id expected"));
  std::string_view name = trim(text.substr(0, slash));
  std::string_view cluster = trim(text.substr(slash + 1));
  auto cluster_id = parse_unsigned(cluster);
  if (!cluster_id) return unexpected("invalid cluster id \"" + std::string(cluster) + "\"");
  if (name.empty()) return unexpected(std::string("empty tag name"));
  return core::ShtagFailoverDefinition{std::string(name), *cluster_id};
}

std::string format_sharing_tag_failover(const core::ShtagFailoverDefinition& tag) {
  return tag.name + "/" + std::to_string(tag.cluster_id);
}

std::string format_sharing_tag(const SharingTag& tag) {
  return tag.name + "/" + std::to_string(tag.cluster_id) + "=" + (tag.active ? "active" : "backup");
}

}  // namespace lc::node::detail
