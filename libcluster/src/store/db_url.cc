// db_url: parsing, password masking and the open_store dispatch.
#include "db_url.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

#include "connection.h"
#include "sql_names.h"
#include "sql_store.h"

namespace lc::store {

namespace detail {

namespace {

constexpr std::string_view kSupported =
    "only sqlite:///path/to.db, sqlite://relative/path.db and "
    "postgres://user:password@host:port/database (or postgresql://) are supported";

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Error bad_url(std::string_view db_url, std::string_view why) {
  return Error{ErrorCode::kBadUrl,
               "bad db_url \"" + mask_password(db_url) + "\": " + std::string(why)};
}

// The libpq parameters that bound how long a connection can hang (store.h,
// decision S12), each added unless the URL sets it: connect_timeout so an
// unreachable server fails in seconds; TCP keepalives and tcp_user_timeout
// so a peer that vanishes mid-query is noticed by the kernel.
std::string with_time_limits(std::string_view url) {
  const std::pair<std::string_view, int> limits[] = {
      {"connect_timeout", kPgConnectTimeoutSeconds},
      {"keepalives", 1},
      {"keepalives_idle", kPgKeepalivesIdleSeconds},
      {"keepalives_interval", kPgKeepalivesIntervalSeconds},
      {"keepalives_count", kPgKeepalivesCount},
      {"tcp_user_timeout", kPgTcpUserTimeoutMs},
  };
  auto query = url.find('?');
  const std::string given =
      query == std::string_view::npos ? "" : "&" + lower(url.substr(query + 1));
  std::string out(url);
  char separator = query == std::string_view::npos ? '?' : '&';
  for (const auto& [key, value] : limits) {
    if (given.find("&" + std::string(key) + "=") != std::string::npos) continue;
    out += separator + std::string(key) + "=" + std::to_string(value);
    separator = '&';
  }
  return out;
}

struct Range {
  size_t begin;
  size_t end;
};

// The user-info password of scheme://user:PASSWORD@host. The user info
// ends at the last '@' before the query: libpq itself stops at the first
// '@', but a password with a stray '@' or '/' must not leak either.
std::optional<Range> userinfo_password(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  const size_t start = scheme_end + 3;
  if (start >= url.size() || url[start] == '/') return std::nullopt;  // sqlite:///abs/path
  const size_t end = std::min(url.find('?', start), url.size());
  auto at = url.rfind('@', end - 1);
  if (at == std::string_view::npos || at < start) return std::nullopt;
  auto colon = url.find(':', start);
  if (colon == std::string_view::npos || colon > at) return std::nullopt;  // no password
  return Range{colon + 1, at};
}

bool starts_parameter(std::string_view s, size_t pos) {
  if (pos == 0) return true;
  char before = s[pos - 1];
  return before == '?' || before == '&' || std::isspace(static_cast<unsigned char>(before));
}

// The values of password=VALUE parameters (URL query or key=value conninfo).
std::vector<Range> password_parameters(std::string_view url) {
  const std::string lowered = lower(url);
  constexpr std::string_view kKey = "password=";
  std::vector<Range> out;
  for (size_t pos = lowered.find(kKey); pos != std::string::npos;
       pos = lowered.find(kKey, pos + 1)) {
    if (!starts_parameter(lowered, pos)) continue;
    size_t end = pos + kKey.size();
    while (end < url.size() && url[end] != '&' && !std::isspace(static_cast<unsigned char>(url[end])))
      ++end;
    out.push_back({pos + kKey.size(), end});
  }
  return out;
}

// Every secret of `url`, in order, not overlapping.
std::vector<Range> secret_ranges(std::string_view url) {
  std::vector<Range> out;
  auto user = userinfo_password(url);
  if (user) out.push_back(*user);
  for (const auto& r : password_parameters(url))
    if (!user || r.begin >= user->end) out.push_back(r);
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string percent_decoded(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

void replace_all(std::string& text, const std::string& from, std::string_view to) {
  if (from.empty()) return;
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
}

}  // namespace

Expected<DbUrl, Error> parse_db_url(std::string_view db_url) {
  if (db_url.empty()) return unexpected(bad_url(db_url, "it is empty; " + std::string(kSupported)));
  auto sep = db_url.find("://");
  if (sep == std::string_view::npos)
    return unexpected(bad_url(db_url, "not a URL; " + std::string(kSupported)));
  const std::string scheme = lower(db_url.substr(0, sep));
  const std::string_view rest = db_url.substr(sep + 3);
  if (scheme == "sqlite") {
    if (rest.empty() || rest == "/")
      return unexpected(bad_url(db_url, "no database file; use sqlite:///path/to.db"));
    return DbUrl{DbUrl::Scheme::kSqlite, std::string(rest)};
  }
  if (scheme == "postgres" || scheme == "postgresql")
    return DbUrl{DbUrl::Scheme::kPostgres, with_time_limits(db_url)};
  if (scheme == "mysql")
    return unexpected(bad_url(db_url, "MySQL is not supported (OpenSIPS's example URL); " +
                                          std::string(kSupported)));
  return unexpected(
      bad_url(db_url, "unsupported scheme \"" + scheme + "\"; " + std::string(kSupported)));
}

std::string scrub_secrets(std::string message, std::string_view db_url) {
  // Shorter secrets would match ordinary words of the message; the message
  // is one that libpq built, which seldom quotes the password at all.
  constexpr size_t kMinSecretChars = 3;
  for (const auto& r : secret_ranges(db_url)) {
    if (r.end - r.begin < kMinSecretChars) continue;
    const std::string raw(db_url.substr(r.begin, r.end - r.begin));
    replace_all(message, raw, "***");
    replace_all(message, percent_decoded(raw), "***");
  }
  return message;
}

}  // namespace detail

std::string mask_password(std::string_view db_url) {
  std::string out(db_url);
  auto ranges = detail::secret_ranges(db_url);
  // Right to left, so the earlier ranges stay valid.
  for (auto it = ranges.rbegin(); it != ranges.rend(); ++it)
    out.replace(it->begin, it->end - it->begin, "***");
  return out;
}

Expected<std::unique_ptr<Store>, Error> open_store(std::string_view db_url,
                                                   const TableNames& names,
                                                   bool create_if_missing) {
  auto url = detail::parse_db_url(db_url);
  if (!url) return unexpected(url.error());
  const std::string display = mask_password(db_url);
  if (auto problem = detail::names_problem(names))
    return unexpected(Error{ErrorCode::kInvalid, "table names for " + display + ": " + *problem});
  auto conn = url->scheme == detail::DbUrl::Scheme::kSqlite
                  ? detail::open_sqlite(url->target, create_if_missing, display)
                  : detail::open_postgres(url->target, display);
  if (!conn) return unexpected(conn.error());
  return std::unique_ptr<Store>(
      std::make_unique<detail::SqlStore>(std::move(*conn), names, display));
}

}  // namespace lc::store
