// Scalar values of the configuration: decimal integers, switches, log levels
// and sharing tags. Errors are a short problem text; the caller names the key
// and the value.
#pragma once

#include <spdlog/common.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "libcluster/expected.h"
#include "node/config.h"

namespace lc::node::detail {

std::string_view trim(std::string_view s);

// An error blaming one key: `invalid KEY "VALUE": PROBLEM`.
ConfigError key_error(std::string_view key, std::string_view value, std::string_view problem);

// [+-]digits in the int32 range. Hex, octal and spaces are refused: OpenSIPS
// writes these parameters in decimal, and CLI11 would read "010" as 8.
std::optional<int32_t> parse_decimal(std::string_view s);
// Digits only (no sign), as the node_info properties and sharing tags want.
std::optional<int32_t> parse_unsigned(std::string_view s);

// An OpenSIPS int used as a boolean (non-zero is on); true/false also read.
std::optional<bool> parse_switch(std::string_view s);

// trace, debug, info, warn (or warning), error, critical, off; any case.
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view s);
std::string_view log_level_name(spdlog::level::level_enum level);

struct ParsedSharingTag {
  SharingTag tag;
  // The state was read by OpenSIPS's prefix match ("act", "b", "") rather
  // than written as active or backup.
  bool loose_state = false;
};

// name/cluster_id=active|backup, with the checks and the order of
// capabilities-and-shtags.md §B.2. An empty name is also refused.
Expected<ParsedSharingTag, std::string> parse_sharing_tag(std::string_view text);
std::string format_sharing_tag(const SharingTag& tag);

// `sharing_tag_failover`: name/cluster_id, checked as the naming part of a
// `sharing_tag` (same messages).
Expected<core::ShtagFailoverDefinition, std::string> parse_sharing_tag_failover(
    std::string_view text);
std::string format_sharing_tag_failover(const core::ShtagFailoverDefinition& tag);

}  // namespace lc::node::detail
