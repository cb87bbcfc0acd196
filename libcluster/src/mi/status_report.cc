#include "libcluster/mi/status_report.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include "libcluster/mi/context.h"

namespace lc::mi {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

namespace {

template <class Groups>
auto find_group_in(Groups& groups, std::string_view name) -> decltype(&groups.front()) {
  for (auto& g : groups)
    if (iequals(g.name, name)) return &g;
  return nullptr;
}

}  // namespace

bool StatusReports::add_group(std::string name) {
  if (group(name)) return false;
  groups_.insert(groups_.begin(), SrGroup{std::move(name), {}, {}});
  return true;
}

SrGroup* StatusReports::find_group(std::string_view name) { return find_group_in(groups_, name); }

const SrGroup* StatusReports::group(std::string_view name) const {
  return find_group_in(groups_, name);
}

const SrIdentifier* StatusReports::identifier(const SrGroup& group, std::string_view name) {
  for (const auto& id : group.identifiers)
    if (iequals(id.name, name)) return &id;
  return nullptr;
}

bool StatusReports::add_identifier(std::string_view group, SrIdentifier id) {
  SrGroup* g = find_group(group);
  if (!g || identifier(*g, id.name)) return false;
  g->identifiers.insert(g->identifiers.begin(), std::move(id));
  return true;
}

bool StatusReports::remove_identifier(std::string_view group, std::string_view name) {
  SrGroup* g = find_group(group);
  if (!g) return false;
  auto it = std::find_if(g->identifiers.begin(), g->identifiers.end(),
                         [&](const SrIdentifier& id) { return iequals(id.name, name); });
  if (it == g->identifiers.end()) return false;
  g->identifiers.erase(it);
  return true;
}

bool StatusReports::set_dynamic(std::string_view group,
                                std::function<std::vector<SrIdentifier>(Context&)> identifiers) {
  SrGroup* g = find_group(group);
  if (!g) return false;
  g->dynamic = std::move(identifiers);
  return true;
}

std::vector<SrIdentifier> SrGroup::all(Context& ctx) const {
  std::vector<SrIdentifier> out;
  if (dynamic) out = dynamic(ctx);
  out.insert(out.end(), identifiers.begin(), identifiers.end());
  return out;
}

std::optional<SrIdentifier> StatusReports::identifier(Context& ctx, const SrGroup& group,
                                                      std::string_view name) {
  for (auto& id : group.all(ctx))
    if (iequals(id.name, name)) return id;
  return std::nullopt;
}

SrIdentifier node_states_identifier() {
  return SrIdentifier{
      "node_states",
      [](Context&) { return SrState{1, std::nullopt}; },
      [](Context& ctx) { return ctx.engine().node_states_reports().since(0); },
  };
}

std::string ctime_text(int64_t unix_s) {
  const std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  if (!localtime_r(&t, &tm)) return "";
  // asctime()'s own format, with its English names whatever the locale.
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, "%.3s %.3s%3d %.2d:%.2d:%.2d %d",
                              kDays[tm.tm_wday], kMonths[tm.tm_mon], tm.tm_mday, tm.tm_hour,
                              tm.tm_min, tm.tm_sec, 1900 + tm.tm_year);
  return std::string(buf, static_cast<std::size_t>(std::max(n, 0)));
}

}  // namespace lc::mi
