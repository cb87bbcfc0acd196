// Sharing tags (capabilities-and-shtags.md Part B): named (name, cluster_id)
// flags, active or backup, that a cluster uses to elect which node owns a
// shared resource (a VIP, a set of dialogs). This header holds the value
// types of the developers' API and ShtagTable, the pure bookkeeping behind
// it: the tag list, the "announce pending" / "announced-to" state of §B.4-B.6
// and the `sharing_tags` report ring. The Engine glues it to the network
// (sending SHTAG_ACTIVE, node up, received broadcasts); see engine.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libcluster/core/report_ring.h"

namespace lc::core {

// Values as in OpenSIPS (0 backup, 1 active).
enum class ShtagState : uint8_t { kBackup = 0, kActive = 1 };
std::string_view shtag_state_name(ShtagState s);  // "active" / "backup"

// Who activated a tag; names the `reason` of the report and event (§B.4).
enum class ShtagReason : uint8_t {
  kMiCommand,       // "MI command"
  kScriptVariable,  // "script variable" ($cluster.sh_tag = "active")
  kApi,             // "internal API call"
};
std::string_view shtag_reason_text(ShtagReason r);
// The reason of a forced backup: "cluster broadcast from <node_id>".
std::string shtag_broadcast_reason(int32_t src_node_id);
// "TAG <name>, cluster <cid>, became <active|backup> due to <reason>" (§B.7).
std::string shtag_report_text(std::string_view name, int32_t cluster_id, ShtagState state,
                              std::string_view reason);

// One `sharing_tag` definition (name/cluster_id=active|backup), as parsed.
struct ShtagDefinition {
  std::string name;
  int32_t cluster_id = 0;
  ShtagState state = ShtagState::kBackup;
};

// One `sharing_tag_failover` key (ours, off by default): the local node
// takes part in the automatic failover of this tag (docs/decisions.md SH10).
struct ShtagFailoverDefinition {
  std::string name;
  int32_t cluster_id = 0;
};

// The failover reasons of the report and event, in the style of §B.7's.
inline constexpr std::string_view kFailoverReasonNodeDown = "failover (active node down)";
inline constexpr std::string_view kFailoverReasonNoHolder = "failover (no active node)";

// What a node with failover on for a tag knows about who holds it. Times
// are monotonic ms. The holder is us (while active), else the last node
// whose SHTAG_ACTIVE we received; a holder announces again every refresh
// period, so silence for a lease means nobody holds the tag any more.
struct ShtagFailover {
  int32_t holder = 0;            // node id; 0: none heard of
  int64_t heard_ms = -1;         // last announcement (or watch start); -1: not watched yet
  int64_t lost_ms = -1;          // holder first seen unreachable; -1: not lost
  int64_t next_refresh_ms = 0;   // while we hold the tag: our next announcement

  // When the tag became vacant in our view (holder unreachable, or silent
  // for `lease_ms`); nothing while a holder is heard and reachable.
  std::optional<int64_t> vacant_since(int64_t now_ms, int64_t lease_ms) const;
  // The reason text of a takeover: the holder went down, or went silent
  // (or was never heard of) for a lease.
  std::string_view reason(int64_t lease_ms) const;
};

// A tag as listed by clusterer_list_shtags.
struct ShtagView {
  std::string name;
  int32_t cluster_id = 0;
  ShtagState state = ShtagState::kBackup;
  bool operator==(const ShtagView&) const = default;
};

// One tag and its announcement bookkeeping.
struct Shtag {
  std::string name;
  int32_t cluster_id = 0;
  ShtagState state = ShtagState::kBackup;
  // We announce ourselves active to each node that comes up and is not in
  // `announced_to` yet: set by a configured "active" and by a failed send,
  // cleared only when a peer's announcement makes the tag backup.
  // Invariants: pending implies active; not pending implies announced_to
  // is empty.
  bool announce_pending = false;
  std::vector<int32_t> announced_to;  // node ids, each once
  // Set by `sharing_tag_failover` only: OpenSIPS's tags have no failover.
  std::optional<ShtagFailover> failover{};
  // §B.9 sync status per capability name: true = "sync required" (the
  // module must resync this tag's records). A pair not listed is required.
  // Bounded by the capability table (CapTable::kMaxCapabilities).
  std::vector<std::pair<std::string, bool>> sync_required;

  bool sync_required_for(std::string_view capability) const;
  void set_sync_required(std::string_view capability, bool required);

  bool active() const { return state == ShtagState::kActive; }
  bool told(int32_t node_id) const;
};

// The tag list of one node, every cluster together (OpenSIPS keeps one
// list). New tags go in front: listings show the newest first.
class ShtagTable {
 public:
  // Bounds: tags can be created by peers (a received broadcast), so their
  // number is capped; a name must fit in one SHTAG_ACTIVE packet with room
  // to spare.
  static constexpr std::size_t kMaxTags = 4096;
  static constexpr std::size_t kMaxNameBytes = 1024;
  // shtag_get_all_active returns at most this many names (§B.9).
  static constexpr std::size_t kMaxActiveListed = 64;

  Shtag* find(std::string_view name, int32_t cluster_id);
  const Shtag* find(std::string_view name, int32_t cluster_id) const;
  // The tag, created in state backup if unknown; nothing when the name is
  // too long or the table is full.
  Shtag* find_or_create(std::string_view name, int32_t cluster_id);

  // Startup/reload definition (§B.2 step 4): the state is forced silently;
  // an active tag is marked announce pending. False if it cannot be created.
  bool define(const ShtagDefinition& def);
  // `sharing_tag_failover`: the tag (created backup if unknown) takes part
  // in failover; a tag already watched keeps what it knows. False if it
  // cannot be created.
  bool enable_failover(const ShtagFailoverDefinition& def);

  // The state transitions. Each returns the tag (nothing if it cannot be
  // created) and whether the state changed; the caller reports changes.
  struct Change {
    Shtag* tag = nullptr;
    bool changed = false;
  };
  // §B.4 step 1: set active (the broadcast is the caller's job).
  Change activate(std::string_view name, int32_t cluster_id);
  // §B.6: a peer announced itself active: backup, nothing pending.
  Change force_backup(std::string_view name, int32_t cluster_id);

  // Announcement bookkeeping (§B.4 step 3, §B.5). An activation tells every
  // node, even one already told while an announcement is pending (OpenSIPS
  // skips those: docs/decisions.md, sharing tags); the list below only
  // decides which nodes coming up are told.
  //
  // Whether a node that just came up must be told.
  static bool needs_flush_send(const Shtag& tag, int32_t node_id);
  // Records the outcome of one send.
  static void note_send(Shtag& tag, int32_t node_id, bool ok);
  // After a round of sends: a tag that is not pending remembers nothing; a
  // pending one forgets nodes that left the cluster. Pending never ends
  // here, only by a peer's broadcast (force_backup).
  static void tidy(Shtag& tag, const std::vector<int32_t>& cluster_nodes);

  // Removes the tags whose cluster is not provisioned (§B.3); returns them.
  template <class HasCluster>
  std::vector<ShtagView> purge(HasCluster has_cluster) {
    std::vector<ShtagView> gone;
    std::erase_if(tags_, [&](const Shtag& t) {
      if (has_cluster(t.cluster_id)) return false;
      gone.push_back(view(t));
      return true;
    });
    return gone;
  }

  // Newest first.
  std::vector<ShtagView> list() const;
  // Active tag names of one cluster (every cluster if cluster_id < 0),
  // newest first, at most kMaxActiveListed.
  std::vector<std::string> active_names(int32_t cluster_id) const;
  std::size_t size() const { return tags_.size(); }
  // Tags in creation order (oldest first), for the engine's loops.
  std::vector<Shtag>& tags() { return tags_; }

  // The `sharing_tags` status/report identifier's ring (§B.7).
  void report(int64_t unix_s, const Shtag& tag, std::string_view reason);
  const ReportRing& reports() const { return reports_; }

  static ShtagView view(const Shtag& t) { return ShtagView{t.name, t.cluster_id, t.state}; }
  // Asserts the invariants of every tag (debug builds).
  void check() const;

 private:
  std::vector<Shtag> tags_;  // creation order; invariant: size() <= kMaxTags
  ReportRing reports_;
};

}  // namespace lc::core
