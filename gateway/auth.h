// Bearer tokens: the write token (--token-file) guards every POST/PUT/DELETE,
// the optional read token (--read-token-file) the reads; the write token
// also grants reads. Tokens are read once at start.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "routes.h"

namespace lc::gateway {

struct Tokens {
  std::optional<std::string> write;
  std::optional<std::string> read;
};

// The token in FILE (surrounding whitespace dropped). Refused, with the
// reason, when the file cannot be read, is readable or writable by others
// than its owner and group (the token would not be a secret), or is empty.
std::variant<std::string, std::string> load_token(const std::string& path);  // token | error

// Whether a request with this Authorization header value may use a route of
// that access level.
bool authorized(const Tokens& tokens, Access access, const std::string& authorization);

// Compares in time that depends only on `given`'s length, so the response
// time does not tell how much of a guess was right.
bool same_secret(const std::string& given, const std::string& expected);

}  // namespace lc::gateway
