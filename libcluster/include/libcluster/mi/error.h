// Values shared by the whole MI layer: the JSON type (member order kept as
// inserted, so replies come out in OpenSIPS's order), JSON-RPC errors and the
// result of a command (spec mi.md §1.2-§1.4).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "libcluster/expected.h"

namespace lc::mi {

using Json = nlohmann::ordered_json;

// A JSON-RPC error object. Application errors (400, 404, 500, 503) carry no
// data; framework errors (-32xxx) may.
struct MiError {
  int code = 0;
  std::string message;
  std::optional<std::string> data;

  bool operator==(const MiError&) const = default;
};

// A command's outcome: the "result" value or the "error" object.
using Result = Expected<Json, MiError>;

// JSON-RPC 2.0 framework codes (mi.md §1.3).
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kServerError = -32000;

MiError parse_error();
MiError invalid_request();
MiError method_not_found();
// -32602 "Invalid params" with a detail text.
MiError invalid_params(std::string data);
// -32602, data "Bad type for parameter '<name>'".
MiError bad_param_type(std::string_view name);
// -32602, data "Bad type for array item in parameter '<name>'".
MiError bad_array_item(std::string_view name);
// -32000 "Server error" with a detail text.
MiError server_error(std::string data);
// An application error without data, e.g. app_error(404, "Cluster id not found").
MiError app_error(int code, std::string message);
// 400 "Bad value for '<name>'".
MiError bad_value(std::string_view name);

// The plain "OK" result.
Result ok();

// Compact JSON text; invalid UTF-8 (a peer's message, a DB description) is
// replaced rather than aborting the reply.
std::string to_text(const Json& j);

}  // namespace lc::mi
