#include "libcluster/kv/settings.h"

#include <algorithm>
#include <cctype>

namespace lc::kv {

namespace {

std::string_view trim(std::string_view s) {
  constexpr std::string_view kBlanks = " \t\r\n";
  const auto first = s.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kBlanks) - first + 1);
}

std::optional<int32_t> small_decimal(std::string_view s) {
  if (s.empty() || s.size() > 4) return std::nullopt;
  int32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

Expected<CollectionSpec, std::string> parse_collection(std::string_view text) {
  CollectionSpec c;
  std::string_view name = text;
  if (const auto eq = text.find('='); eq != std::string_view::npos) {
    auto n = small_decimal(trim(text.substr(eq + 1)));
    if (!n || *n > kMaxSizeExp)
      return unexpected("the size after '=' must be an exponent from 0 to " +
                        std::to_string(kMaxSizeExp) + " (2^N buckets)");
    c.size_exp = *n;
    name = text.substr(0, eq);
  }
  name = trim(name);
  if (name.ends_with("/r")) {
    c.replicated = true;
    name = trim(name.substr(0, name.size() - 2));
  }
  if (name.empty()) return unexpected(std::string("empty collection name"));
  if (name.find_first_of("/;= \t") != std::string_view::npos)
    return unexpected(std::string("a collection name cannot contain '/', ';', '=' or blanks"));
  c.name = std::string(name);
  return c;
}

std::string format_collection(const CollectionSpec& c) {
  std::string out = c.name + (c.replicated ? "/r" : "");
  // Two appends, not "=" + to_string(): GCC 12 -O3 warns (-Wrestrict,
  // a false positive, GCC PR 105329) on the latter.
  if (c.size_exp != kDefaultSizeExp) out.append("=").append(std::to_string(c.size_exp));
  return out;
}

Expected<std::vector<CollectionSpec>, std::string> build_collections(
    const std::vector<std::string>& items) {
  if (items.size() >= kMaxCollections)
    return unexpected("at most " + std::to_string(kMaxCollections - 1) + " collections");
  std::vector<CollectionSpec> out;
  for (const std::string& item : items) {
    auto c = parse_collection(item);
    if (!c) return unexpected("\"" + item + "\": " + c.error());
    for (const CollectionSpec& prev : out)
      if (prev.name == c->name) return unexpected("\"" + item + "\": collection listed twice");
    out.push_back(std::move(*c));
  }
  const bool has_default = std::any_of(out.begin(), out.end(), [](const CollectionSpec& c) {
    return c.name == kDefaultCollection;
  });
  if (!has_default) out.insert(out.begin(), CollectionSpec{std::string(kDefaultCollection)});
  return out;
}

Expected<UrlBinding, std::string> parse_url(std::string_view text) {
  text = trim(text);
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) return unexpected(std::string("expected local[:group]://[collection]"));
  std::string_view scheme = text.substr(0, sep);
  std::string_view rest = text.substr(sep + 3);
  UrlBinding u;
  if (const auto colon = scheme.find(':'); colon != std::string_view::npos) {
    u.group = std::string(scheme.substr(colon + 1));
    scheme = scheme.substr(0, colon);
    if (u.group.empty()) return unexpected(std::string("empty group after \"local:\""));
  }
  if (scheme != "local") return unexpected("unknown cache engine \"" + std::string(scheme) +
                                           "\" (only local exists)");
  if (rest.starts_with('/')) rest.remove_prefix(1);
  if (rest.find_first_of("/@:; \t") != std::string_view::npos)
    return unexpected(std::string("expected a bare collection name after \"://\""));
  u.collection = std::string(rest);
  return u;
}

std::string format_url(const UrlBinding& u) {
  return "local" + (u.group.empty() ? std::string() : ":" + u.group) + "://" + u.collection;
}

Expected<std::vector<UrlBinding>, std::string> build_urls(
    const std::vector<std::string>& items, const std::vector<CollectionSpec>& collections) {
  if (items.size() > kMaxCollections)
    return unexpected("at most " + std::to_string(kMaxCollections) + " URLs");
  std::vector<UrlBinding> out;
  for (const std::string& item : items) {
    auto u = parse_url(item);
    if (!u) return unexpected("\"" + item + "\": " + u.error());
    for (const UrlBinding& prev : out)
      if (prev.group == u->group)
        return unexpected("\"" + item + "\": group " +
                          (u->group.empty() ? std::string("local") : "local:" + u->group) +
                          " bound twice");
    const bool known =
        u->collection.empty() ||
        std::any_of(collections.begin(), collections.end(),
                    [&](const CollectionSpec& c) { return c.name == u->collection; });
    if (!known)
      return unexpected("\"" + item + "\": collection \"" + u->collection + "\" is not defined");
    out.push_back(std::move(*u));
  }
  return out;
}

std::optional<Persistency> parse_persistency(std::string_view text) {
  if (iequals(text, "sync-from-cluster")) return Persistency::kSyncFromCluster;
  if (iequals(text, "none")) return Persistency::kNone;
  return std::nullopt;
}

std::string_view persistency_name(Persistency p) {
  return p == Persistency::kNone ? "none" : "sync-from-cluster";
}

}  // namespace lc::kv
