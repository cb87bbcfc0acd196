// How clusterd and cluster-gateway write their log lines: `text` for people
// (the default) or `json`, one JSON object per line for log shippers:
//   {"time":"2026-11-26T01:50:00.123+00:00","level":"info","logger":"clusterd","msg":"..."}
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lc::logging {

enum class LogFormat { kText, kJson };

// "text" or "json"; nothing for anything else.
std::optional<LogFormat> parse_log_format(std::string_view s);
std::string_view log_format_name(LogFormat f);

// Applies the format to every spdlog logger (and the ones made later).
void use_log_format(LogFormat f);

// `s` as the inside of a JSON string (quotes, backslashes and control
// characters escaped; bytes ≥ 0x80 are copied as they are).
std::string json_escape(std::string_view s);

}  // namespace lc::logging
