// Status/report identifiers exposed by the sr_* MI commands (mi.md §6).
// A group holds identifiers, each with a status (readiness is status >= 0),
// an optional details text and a ring of reports. Values are read through
// providers at query time, so the engine stays the single owner of the data:
// "node_states" reads Engine::node_states_reports(); "sharing_tags" and
// "cap:<name>" are added the same way by the layers that own them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libcluster/core/report_ring.h"

namespace lc::mi {

class Context;

struct SrState {
  int32_t status = 1;
  std::optional<std::string> details;  // no "Details" key when absent
};

struct SrIdentifier {
  std::string name;
  std::function<SrState(Context&)> state;
  std::function<std::vector<core::Report>(Context&)> reports;  // oldest first
};

struct SrGroup {
  std::string name;
  std::vector<SrIdentifier> identifiers;  // newest registration first
  // Identifiers that exist while the engine has something to show (the
  // clusterer's cap:<name>, one per capability), listed before the fixed
  // ones since they are registered after them.
  std::function<std::vector<SrIdentifier>(Context&)> dynamic;

  // The dynamic identifiers, then the fixed ones.
  std::vector<SrIdentifier> all(Context& ctx) const;
};

class StatusReports {
 public:
  // Adds a group, listed before the groups added earlier (OpenSIPS lists the
  // newest first). False if a group of that name exists.
  bool add_group(std::string name);
  // Adds an identifier in front of the group's others. False if the group
  // is unknown or already has an identifier of that name.
  bool add_identifier(std::string_view group, SrIdentifier id);
  bool remove_identifier(std::string_view group, std::string_view name);
  // Sets the group's dynamic identifiers; false if the group is unknown.
  bool set_dynamic(std::string_view group,
                   std::function<std::vector<SrIdentifier>(Context&)> identifiers);

  // Names are matched case-insensitively, as OpenSIPS does.
  const SrGroup* group(std::string_view name) const;
  static const SrIdentifier* identifier(const SrGroup& group, std::string_view name);
  // The same among all(ctx), dynamic identifiers included.
  static std::optional<SrIdentifier> identifier(Context& ctx, const SrGroup& group,
                                                std::string_view name);
  const std::vector<SrGroup>& groups() const { return groups_; }

 private:
  SrGroup* find_group(std::string_view name);
  std::vector<SrGroup> groups_;  // newest first
};

// The clusterer's "node_states" identifier: status always 1, no details,
// the engine's UP/DOWN reports.
SrIdentifier node_states_identifier();

// C ctime() of a UNIX time in the local time zone, without the newline:
// "Wed Nov 25 15:06:55 2026", the day padded with a space.
std::string ctime_text(int64_t unix_s);

bool iequals(std::string_view a, std::string_view b);

}  // namespace lc::mi
