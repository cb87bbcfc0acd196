#include "auth.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace lc::gateway {
namespace {

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// The token of "Bearer <token>"; the scheme is case-insensitive (RFC 9110
// §11.1), so "bearer" and "BEARER" are accepted too.
std::optional<std::string> bearer_of(const std::string& authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i])
      return std::nullopt;
  return trim(authorization.substr(kScheme.size()));
}

}  // namespace

std::variant<std::string, std::string> load_token(const std::string& path) {
  using Result = std::variant<std::string, std::string>;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Result(std::in_place_index<1>, "token file " + path + ": " + std::strerror(errno));
  if (st.st_mode & (S_IROTH | S_IWOTH)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Result(std::in_place_index<1>, "token file " + path + " has mode " + mode +
                                              ": anyone can read it; run chmod o-rw " + path);
  }
  std::ifstream f(path);
  std::stringstream text;
  text << f.rdbuf();
  if (!f) return Result(std::in_place_index<1>, "cannot read token file " + path);
  std::string token = trim(text.str());
  if (token.empty()) return Result(std::in_place_index<1>, "token file " + path + " is empty");
  return Result(std::in_place_index<0>, token);
}

bool same_secret(const std::string& given, const std::string& expected) {
  if (expected.empty()) return false;
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < given.size(); ++i)
    diff |= static_cast<unsigned char>(given[i] ^ expected[i % expected.size()]);
  return diff == 0;
}

bool authorized(const Tokens& tokens, Access access, const std::string& authorization) {
  if (access == Access::kPublic) return true;
  // Reads are open unless a read token is set, even when writes are guarded.
  const bool needs_token =
      access == Access::kWrite ? tokens.write.has_value() : tokens.read.has_value();
  if (!needs_token) return true;
  auto given = bearer_of(authorization);
  if (!given) return false;
  if (tokens.write && same_secret(*given, *tokens.write)) return true;
  return access == Access::kRead && tokens.read && same_secret(*given, *tokens.read);
}

}  // namespace lc::gateway
