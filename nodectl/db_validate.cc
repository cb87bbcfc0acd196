#include "db_validate.h"

#include <arpa/inet.h>

#include <array>
#include <utility>

namespace lc::nodectl::db {
namespace {

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

Invalid invalid(std::string message) { return Invalid{std::move(message)}; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

std::optional<Invalid> check_host(std::string_view url, std::string_view host, bool bracketed) {
  const std::string what = "url " + in_quotes(url);
  if (host.empty()) return invalid(what + ": the host is missing (expected bin:HOST:PORT)");
  if (bracketed) {
    std::string h(host);
    in6_addr a6{};
    if (::inet_pton(AF_INET6, h.c_str(), &a6) != 1)
      return invalid(what + ": " + in_quotes(host) + " is not an IPv6 address");
    return std::nullopt;
  }
  for (char c : host)
    if (!is_alpha(c) && !is_digit(c) && c != '.' && c != '-' && c != '_')
      return invalid(what + ": invalid character '" + std::string(1, c) + "' in the host " +
                     in_quotes(host));
  return std::nullopt;
}

}  // namespace

std::size_t text_length(std::string_view text) {
  std::size_t n = 0;
  for (char c : text)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

std::optional<Invalid> parse_int(std::string_view option, std::string_view text, int64_t min,
                                 int64_t max, int64_t* out) {
  const std::string range = min == 0 && max == 1 ? "0 or 1"
                            : max == kMaxInt
                                ? "an integer >= " + std::to_string(min)
                                : "an integer from " + std::to_string(min) + " to " +
                                      std::to_string(max);
  auto bad = [&] {
    return invalid("--" + std::string(option) + " must be " + range + ", got " + in_quotes(text));
  };
  std::string_view digits = text;
  bool negative = false;
  if (digits.starts_with('-') || digits.starts_with('+')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (!all_digits(digits)) return bad();
  while (digits.size() > 1 && digits[0] == '0') digits.remove_prefix(1);
  if (digits.size() > 10) return bad();
  int64_t v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  if (negative) v = -v;
  if (v < min || v > max) return bad();
  *out = v;
  return std::nullopt;
}

std::optional<Invalid> check_url(std::string_view url) {
  const std::string what = "url " + in_quotes(url);
  if (url.empty()) return invalid("--url must not be empty (expected bin:HOST:PORT)");
  if (text_length(url) > kMaxText)
    return invalid("--url is " + std::to_string(text_length(url)) +
                   " characters long, the column holds at most " + std::to_string(kMaxText));
  std::string_view rest = url;
  if (rest.starts_with("bins:"))
    rest.remove_prefix(5);
  else if (rest.starts_with("bin:"))
    rest.remove_prefix(4);
  else if (auto colon = rest.find(':'); colon != std::string_view::npos && colon > 0 &&
                                        rest[0] != '[') {
    // "udp:1.2.3.4:5060" or "tls:host": a protocol, unless it is HOST:PORT.
    const auto scheme = rest.substr(0, colon);
    bool letters = true;
    for (char c : scheme) letters = letters && is_alpha(c);
    if (letters && !all_digits(rest.substr(colon + 1)))
      return invalid(what + ": unsupported protocol " + in_quotes(scheme) +
                     " (a node URL is bin:HOST:PORT or bins:HOST:PORT)");
  }
  std::string_view host, port;
  bool bracketed = false;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos)
      return invalid(what + ": missing ']' after the IPv6 address");
    host = rest.substr(1, close - 1);
    bracketed = true;
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':'))
        return invalid(what + ": expected ':PORT' after the IPv6 address");
      port = after.substr(1);
      if (port.empty()) return invalid(what + ": the port is missing after ':'");
    }
  } else {
    const auto colon = rest.find(':');
    host = rest.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = rest.substr(colon + 1);
      if (port.find(':') != std::string_view::npos)
        return invalid(what + ": too many ':' (write an IPv6 address in brackets: bin:[::1]:5555)");
      if (port.empty()) return invalid(what + ": the port is missing after ':'");
    }
  }
  if (auto e = check_host(url, host, bracketed)) return e;
  if (!port.empty()) {
    int64_t p = 0;
    if (!all_digits(port) || port.size() > 5 || (p = std::stoll(std::string(port))) < 1 ||
        p > 65535)
      return invalid(what + ": the port must be a number from 1 to 65535, got " + in_quotes(port));
  }
  return std::nullopt;
}

std::optional<Invalid> check_text(std::string_view option, std::string_view text) {
  const auto n = text_length(text);
  if (n > kMaxText)
    return invalid("--" + std::string(option) + " is " + std::to_string(n) +
                   " characters long, the column holds at most " + std::to_string(kMaxText));
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return invalid("--" + std::string(option) + " must not contain control characters");
  return std::nullopt;
}

bool flags_recognised(std::string_view flags) {
  return flags.empty() || flags.starts_with("seed");
}

std::optional<Invalid> check_names(const lc::store::TableNames& n) {
  const auto names = lc::store::named_settings(n);
  for (const auto& [key, value] : names) {
    if (value->empty() || value->find_first_of(",= \t\r\n") != std::string::npos)
      return invalid("--" + std::string(key) + " " + in_quotes(*value) +
                     ": a name must be non-empty, without ',', '=' or spaces");
    if (value->size() > kMaxName)
      return invalid("--" + std::string(key) + " " + in_quotes(*value) + ": longer than " +
                     std::to_string(kMaxName) + " bytes (PostgreSQL's limit for a name)");
  }
  if (text_length(n.table) > kMaxTableName)
    return invalid("--db_table " + in_quotes(n.table) + ": longer than " +
                   std::to_string(kMaxTableName) +
                   " characters, the table_name column of the version table");
  for (std::size_t a = 2; a < names.size(); ++a)
    for (std::size_t b = 1; b < a; ++b)
      if (*names[a].second == *names[b].second)
        return invalid("--" + std::string(names[a].first) + " " + in_quotes(*names[a].second) +
                       ": same name as --" + std::string(names[b].first));
  return std::nullopt;
}

bool FieldArgs::any() const {
  return cluster_id || node_id || url || state || no_ping_retries || priority || sip_addr ||
         flags || description;
}

std::optional<Invalid> to_row_fields(const FieldArgs& a, lc::store::RowFields* out) {
  const std::array<std::tuple<std::string_view, const std::optional<std::string>*,
                              std::optional<int64_t>*, int64_t, int64_t>,
                   5>
      ints = {{
          {"cluster_id", &a.cluster_id, &out->cluster_id, 1, kMaxInt},
          {"node_id", &a.node_id, &out->node_id, 1, kMaxInt},
          {"state", &a.state, &out->state, 0, 1},
          {"no_ping_retries", &a.no_ping_retries, &out->no_ping_retries, 0, kMaxInt},
          {"priority", &a.priority, &out->priority, 0, kMaxInt},
      }};
  for (const auto& [option, text, target, min, max] : ints) {
    if (!*text) continue;
    int64_t v = 0;
    if (auto e = parse_int(option, **text, min, max, &v)) return e;
    *target = v;
  }
  if (a.url) {
    if (auto e = check_url(*a.url)) return e;
    out->url = *a.url;
  }
  const std::array<std::tuple<std::string_view, const std::optional<std::string>*,
                              std::optional<std::string>*>,
                   3>
      texts = {{
          {"sip_addr", &a.sip_addr, &out->sip_addr},
          {"flags", &a.flags, &out->flags},
          {"description", &a.description, &out->description},
      }};
  for (const auto& [option, text, target] : texts) {
    if (!*text) continue;
    if (auto e = check_text(option, **text)) return e;
    *target = **text;
  }
  return std::nullopt;
}

}  // namespace lc::nodectl::db
