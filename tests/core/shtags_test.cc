// Sharing tags (capabilities-and-shtags.md Part B): the ShtagTable rules on
// their own, then one engine driven by exact packets: activation and its
// SHTAG_ACTIVE copies, forced backup, announcements on node up, purge,
// reload carry-over, reports and events, and the captured bytes.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine_harness.h"
#include "libcluster/core/shtags.h"

namespace lc::core::test {
namespace {

constexpr ShtagState kActive = ShtagState::kActive;
constexpr ShtagState kBackup = ShtagState::kBackup;

// ---------------------------------------------------------------- ShtagTable

TEST(shtag_table, NewTagsAreBackupAndListedNewestFirst) {
  ShtagTable t;
  ASSERT_NE(t.find_or_create("a", 1), nullptr);
  ASSERT_NE(t.find_or_create("b", 1), nullptr);
  ASSERT_NE(t.find_or_create("a", 2), nullptr);  // same name, other cluster: another tag
  EXPECT_EQ(t.find_or_create("a", 1), t.find("a", 1)) << "found, not created twice";
  EXPECT_EQ(t.find("A", 1), nullptr) << "names are case-sensitive";
  EXPECT_EQ(t.list(), (std::vector<ShtagView>{{"a", 2, kBackup}, {"b", 1, kBackup}, {"a", 1, kBackup}}));
}

TEST(shtag_table, DefinitionSetsStateAndPendingSilently) {
  ShtagTable t;
  ASSERT_TRUE(t.define({"vip", 1, kActive}));
  const Shtag* vip = t.find("vip", 1);
  EXPECT_TRUE(vip->active());
  EXPECT_TRUE(vip->announce_pending) << "configured active: announced as nodes come up";
  ASSERT_TRUE(t.define({"vip", 1, kBackup}));  // the last definition wins
  EXPECT_FALSE(t.find("vip", 1)->active());
  EXPECT_FALSE(t.find("vip", 1)->announce_pending);
  EXPECT_EQ(t.reports().size(), 0u) << "no report at startup";
  t.check();
}

TEST(shtag_table, ActivateAndForceBackupReportChangesOnly) {
  ShtagTable t;
  auto c = t.activate("x", 1);
  ASSERT_NE(c.tag, nullptr);
  EXPECT_TRUE(c.changed);
  EXPECT_FALSE(t.activate("x", 1).changed) << "already active";
  c.tag->announce_pending = true;
  c.tag->announced_to = {2, 3};
  auto b = t.force_backup("x", 1);
  EXPECT_TRUE(b.changed);
  EXPECT_FALSE(b.tag->announce_pending);
  EXPECT_TRUE(b.tag->announced_to.empty());
  EXPECT_FALSE(t.force_backup("x", 1).changed);
  auto fresh = t.force_backup("new", 1);
  EXPECT_FALSE(fresh.changed) << "a tag created by a broadcast starts backup";
  EXPECT_EQ(t.size(), 2u);
  t.check();
}

TEST(shtag_table, AnnouncementBookkeeping) {
  Shtag tag{"x", 1, kActive, false, {}, {}, {}};
  EXPECT_FALSE(ShtagTable::needs_flush_send(tag, 2)) << "not pending";
  ShtagTable::note_send(tag, 2, true);
  ShtagTable::note_send(tag, 3, false);  // node 3 unreachable
  ShtagTable::note_send(tag, 4, true);
  EXPECT_TRUE(tag.announce_pending);
  ShtagTable::tidy(tag, {2, 3, 4});
  EXPECT_TRUE(tag.announce_pending);
  EXPECT_EQ(tag.announced_to, (std::vector<int32_t>{2, 4}));
  // Pending: a node coming up is told unless it was already.
  EXPECT_TRUE(ShtagTable::needs_flush_send(tag, 3));
  EXPECT_FALSE(ShtagTable::needs_flush_send(tag, 4));
  ShtagTable::note_send(tag, 3, true);
  ShtagTable::note_send(tag, 3, true);
  EXPECT_EQ(tag.announced_to, (std::vector<int32_t>{2, 4, 3})) << "each node once";
  // Everyone told, still pending: a node learned later is told too (the
  // captured node 1 tells node 3, found by discovery).
  ShtagTable::tidy(tag, {2, 3, 4});
  EXPECT_TRUE(tag.announce_pending);
  EXPECT_TRUE(ShtagTable::needs_flush_send(tag, 5));
  // Nodes that left the cluster are forgotten.
  ShtagTable::tidy(tag, {3, 5});
  EXPECT_EQ(tag.announced_to, std::vector<int32_t>{3});
  // All sends succeeded: nothing pending, nothing remembered.
  Shtag ok{"y", 1, kActive, false, {}, {}, {}};
  ShtagTable::note_send(ok, 2, true);
  ShtagTable::tidy(ok, {2});
  EXPECT_FALSE(ok.announce_pending);
  EXPECT_TRUE(ok.announced_to.empty());
  EXPECT_FALSE(ShtagTable::needs_flush_send(ok, 2));
}

TEST(shtag_table, BoundsRefuseInsteadOfGrowing) {
  ShtagTable t;
  EXPECT_EQ(t.find_or_create(std::string(ShtagTable::kMaxNameBytes + 1, 'n'), 1), nullptr);
  EXPECT_NE(t.find_or_create(std::string(ShtagTable::kMaxNameBytes, 'n'), 1), nullptr);
  for (std::size_t i = t.size(); i < ShtagTable::kMaxTags; ++i)
    ASSERT_NE(t.find_or_create("t" + std::to_string(i), 1), nullptr);
  EXPECT_EQ(t.find_or_create("one-too-many", 1), nullptr);
  EXPECT_EQ(t.activate("one-too-many", 1).tag, nullptr);
  EXPECT_NE(t.find_or_create("t5", 1), nullptr) << "existing tags are still found";
  EXPECT_EQ(t.size(), ShtagTable::kMaxTags);
}

TEST(shtag_table, ActiveNamesNewestFirstAtMost64) {
  ShtagTable t;
  for (int i = 0; i < 70; ++i) t.activate("t" + std::to_string(i), i % 2 ? 1 : 2);
  t.find_or_create("idle", 1);
  auto all = t.active_names(-1);
  ASSERT_EQ(all.size(), ShtagTable::kMaxActiveListed);
  EXPECT_EQ(all.front(), "t69");
  auto one = t.active_names(1);
  ASSERT_EQ(one.size(), 35u);
  EXPECT_EQ(one.front(), "t69");
  EXPECT_EQ(one.back(), "t1");
  EXPECT_TRUE(t.active_names(3).empty());
}

TEST(shtag_table, PurgeRemovesTagsOfUnknownClusters) {
  ShtagTable t;
  t.activate("a", 1);
  t.activate("b", 2);
  t.find_or_create("c", 1);
  auto gone = t.purge([](int32_t cid) { return cid == 1; });
  EXPECT_EQ(gone, (std::vector<ShtagView>{{"b", 2, kActive}}));
  EXPECT_EQ(t.list(), (std::vector<ShtagView>{{"c", 1, kBackup}, {"a", 1, kActive}}));
}

TEST(shtag_table, ReasonAndReportTexts) {
  EXPECT_EQ(shtag_reason_text(ShtagReason::kMiCommand), "MI command");
  EXPECT_EQ(shtag_reason_text(ShtagReason::kScriptVariable), "script variable");
  EXPECT_EQ(shtag_reason_text(ShtagReason::kApi), "internal API call");
  EXPECT_EQ(shtag_broadcast_reason(2), "cluster broadcast from 2");
  EXPECT_EQ(shtag_broadcast_reason(123), "cluster broadcast from 123") << "no truncation (decision)";
  // The spec's examples (§B.7).
  EXPECT_EQ(shtag_report_text("HA", 1, kBackup, "cluster broadcast from 2"),
            "TAG <HA>, cluster 1, became backup due to cluster broadcast from 2");
  EXPECT_EQ(shtag_report_text("HA", 1, kActive, "MI command"),
            "TAG <HA>, cluster 1, became active due to MI command");
  EXPECT_EQ(shtag_report_text("vip", 3, kActive, "script variable"),
            "TAG <vip>, cluster 3, became active due to script variable");
}

// ---------------------------------------------------------------- the engine

wire::Bytes pong_from(int32_t cluster, int32_t src) {
  return wire::encode(wire::InternalMessage{cluster, src, wire::Pong{{}}, wire::kBinVersion});
}

wire::Bytes shtag_active(int32_t cluster, int32_t src, int32_t dst, const std::string& name) {
  return wire::encode(wire::ExtraMessage{wire::Trailer{cluster, src, dst}, wire::ShtagActive{name},
                                         wire::kBinVersion});
}

// (trailer dst, tag name) of every SHTAG_ACTIVE handed to next hop `hop`.
std::vector<std::pair<int32_t, std::string>> shtags_to(const Output& o, int32_t hop) {
  std::vector<std::pair<int32_t, std::string>> out;
  for (const auto& p : o.to(hop))
    if (const auto* m = std::get_if<wire::ExtraMessage>(&p))
      if (const auto* s = std::get_if<wire::ShtagActive>(&m->body))
        out.emplace_back(m->trailer.dst_node_id, s->tag);
  return out;
}

using Sent = std::vector<std::pair<int32_t, std::string>>;

std::vector<ShtagChanged> changes(const Output& o) { return o.events_of<ShtagChanged>(); }

// Node 1 of cluster 1 with peers 2 and 3; only those in `up` answer the
// first ping.
Harness node1_with(std::vector<int32_t> up, std::vector<ShtagDefinition> tags = {}) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2, 3})});
  EXPECT_TRUE(h.engine().define_shtags(tags).empty());
  h.tick(0);
  for (int32_t id : up) h.packet(10, pong_from(1, id));
  return h;
}

TEST(engine_shtags, ActivationSendsOneCopyPerNodeThenReports) {
  Harness h = node1_with({2, 3});
  EXPECT_EQ(h.engine().shtag_activate(h.at(100), "vip", 1, ShtagReason::kMiCommand), kActive);
  Output o = h.drain();
  EXPECT_EQ(shtags_to(o, 3), (Sent{{3, "vip"}}));
  EXPECT_EQ(shtags_to(o, 2), (Sent{{2, "vip"}}));
  // The newest node first, like every broadcast.
  ASSERT_EQ(o.tx.size(), 2u);
  EXPECT_EQ(o.tx[0].node_id, 3);
  auto ev = changes(o);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].name, "vip");
  EXPECT_EQ(ev[0].cluster_id, 1);
  EXPECT_TRUE(ev[0].active);
  EXPECT_EQ(ev[0].reason, "MI command");
  auto reports = h.engine().sharing_tags_reports().since(0);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].log, "TAG <vip>, cluster 1, became active due to MI command");
  EXPECT_EQ(reports[0].timestamp_s, h.at(100).unix_s);
  // Activating an active tag broadcasts again, without report or event.
  h.engine().shtag_activate(h.at(200), "vip", 1, ShtagReason::kApi);
  o = h.drain();
  EXPECT_EQ(shtags_to(o, 2).size() + shtags_to(o, 3).size(), 2u);
  EXPECT_TRUE(changes(o).empty());
  EXPECT_EQ(h.engine().sharing_tags_reports().size(), 1u);
}

TEST(engine_shtags, ReceivedAnnouncementForcesBackup) {
  Harness h = node1_with({2, 3});
  h.engine().shtag_activate(h.at(100), "vip", 1, ShtagReason::kScriptVariable);
  h.drain();
  Output o = h.packet(200, shtag_active(1, 2, 1, "vip"));
  EXPECT_EQ(h.engine().find_shtag("vip", 1), kBackup);
  auto ev = changes(o);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_FALSE(ev[0].active);
  EXPECT_EQ(ev[0].reason, "cluster broadcast from 2");
  EXPECT_TRUE(o.tx.empty()) << "no answer: whoever announces last wins";
  auto reports = h.engine().sharing_tags_reports().since(0);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[1].log, "TAG <vip>, cluster 1, became backup due to cluster broadcast from 2");
  // Already backup, or unknown: created/kept backup, nothing reported.
  o = h.packet(300, shtag_active(1, 3, 1, "vip"));
  EXPECT_TRUE(changes(o).empty());
  o = h.packet(310, shtag_active(1, 3, 1, "other"));
  EXPECT_TRUE(changes(o).empty());
  EXPECT_EQ(h.engine().find_shtag("other", 1), kBackup);
  EXPECT_EQ(h.engine().sharing_tags_reports().size(), 2u);
}

TEST(engine_shtags, AnnouncementForAnotherNodeIsRelayedNotApplied) {
  Harness h = node1_with({2, 3});
  h.engine().shtag_activate(h.at(100), "vip", 1, ShtagReason::kApi);
  h.drain();
  Output o = h.packet(200, shtag_active(1, 2, 3, "vip"));
  EXPECT_EQ(h.engine().find_shtag("vip", 1), kActive);
  EXPECT_EQ(shtags_to(o, 3), (Sent{{3, "vip"}}));
  EXPECT_TRUE(changes(o).empty());
}

TEST(engine_shtags, ConfiguredActiveIsAnnouncedToEachNodeOnceWhenItComesUp) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2, 3})});
  ASSERT_TRUE(h.engine().define_shtags({{"vip", 1, kActive}, {"db", 1, kBackup}}).empty());
  Output o = h.tick(0);
  EXPECT_TRUE(changes(o).empty()) << "startup states are silent";
  EXPECT_TRUE(shtags_to(o, 2).empty()) << "not broadcast at init";
  o = h.packet(10, pong_from(1, 2));
  EXPECT_EQ(shtags_to(o, 2), (Sent{{2, "vip"}}));
  EXPECT_TRUE(changes(o).empty());
  o = h.packet(20, pong_from(1, 3));
  EXPECT_EQ(shtags_to(o, 3), (Sent{{3, "vip"}}));
  EXPECT_TRUE(shtags_to(o, 2).empty());
  EXPECT_EQ(h.engine().sharing_tags_reports().size(), 0u);
  // Node 2 was told: going down and up again, it is not told again.
  int64_t down_at = 0;
  for (int64_t t = 500; down_at == 0 && t <= 5000; t += 500)
    for (const auto& e : h.tick(t).node_events())
      if (e.node_id == 2 && !e.up) down_at = t;
  ASSERT_NE(down_at, 0) << "node 2 never went down";
  o = h.packet(down_at + 100, pong_from(1, 2));  // answers the retry
  ASSERT_EQ(o.node_events().size(), 1u);
  EXPECT_TRUE(o.node_events()[0].up);
  EXPECT_TRUE(shtags_to(o, 2).empty());
}

TEST(engine_shtags, FailedCopiesStayPendingUntilTheNodeComesUp) {
  Harness h = node1_with({2});  // node 3 unreachable
  h.engine().shtag_activate(h.at(100), "vip", 1, ShtagReason::kMiCommand);
  Output o = h.drain();
  EXPECT_EQ(shtags_to(o, 2), (Sent{{2, "vip"}}));
  EXPECT_EQ(changes(o).size(), 1u) << "reported even though a copy failed";
  // Activating again while pending tells node 2 again (OpenSIPS would skip
  // it: decisions); node 3 still fails.
  h.engine().shtag_activate(h.at(200), "vip", 1, ShtagReason::kMiCommand);
  o = h.drain();
  EXPECT_EQ(shtags_to(o, 2), (Sent{{2, "vip"}}));
  EXPECT_TRUE(shtags_to(o, 3).empty());
  o = h.packet(300, pong_from(1, 3));
  EXPECT_EQ(shtags_to(o, 3), (Sent{{3, "vip"}}));
  EXPECT_TRUE(shtags_to(o, 2).empty());
}

TEST(engine_shtags, AnnouncementToANodeReachableThroughARelay) {
  Harness h = node1_with({2});
  h.engine().shtag_activate(h.at(100), "vip", 1, ShtagReason::kMiCommand);
  h.drain();
  // Node 2 reports its link to 3: node 3 becomes reachable through 2.
  auto ls = wire::encode(wire::InternalMessage{
      1, 2, wire::LsUpdate{0, 1, 3, wire::kWireLinkUp, {2}}, wire::kBinVersion});
  Output o = h.packet(300, ls);
  ASSERT_EQ(o.node_events().size(), 1u);
  EXPECT_EQ(shtags_to(o, 2), (Sent{{3, "vip"}})) << "dst 3, handed to relay 2";
}

TEST(engine_shtags, DisabledNodeCountsAsToldWithoutAPacket) {
  Harness h = node1_with({2, 3});
  ASSERT_EQ(h.engine().set_status(h.at(50), 1, 3, false), CommandResult::kOk);
  h.drain();
  h.engine().shtag_activate(h.at(100), "vip", 1, ShtagReason::kMiCommand);
  Output o = h.drain();
  EXPECT_EQ(shtags_to(o, 2), (Sent{{2, "vip"}}));
  EXPECT_TRUE(shtags_to(o, 3).empty());
  // Nothing pending: enabling node 3 later announces nothing.
  h.engine().set_status(h.at(200), 1, 3, true);
  h.drain();
  h.tick(500);
  o = h.packet(600, pong_from(1, 3));
  EXPECT_TRUE(shtags_to(o, 3).empty());
}

TEST(engine_shtags, LocalNodeDisabledActivatesAndAnnouncesLater) {
  Harness h = node1_with({2, 3});
  h.engine().set_status(h.at(50), 1, 1, false);
  h.drain();
  h.engine().shtag_activate(h.at(100), "vip", 1, ShtagReason::kMiCommand);
  Output o = h.drain();
  EXPECT_TRUE(o.tx.empty());
  EXPECT_EQ(h.engine().find_shtag("vip", 1), kActive);
  EXPECT_EQ(changes(o).size(), 1u);
  h.engine().set_status(h.at(200), 1, 1, true);
  h.drain();
  o = h.tick(500);
  Output up2 = h.packet(510, pong_from(1, 2));
  Output up3 = h.packet(520, pong_from(1, 3));
  EXPECT_EQ(shtags_to(up2, 2), (Sent{{2, "vip"}}));
  EXPECT_EQ(shtags_to(up3, 3), (Sent{{3, "vip"}}));
}

TEST(engine_shtags, UnknownClusterActivatesSilently) {
  Harness h = node1_with({2, 3});
  EXPECT_EQ(h.engine().shtag_activate(h.at(100), "vip", 9, ShtagReason::kApi), kActive);
  Output o = h.drain();
  EXPECT_TRUE(o.tx.empty());
  EXPECT_TRUE(changes(o).empty());
  EXPECT_EQ(h.engine().sharing_tags_reports().size(), 0u);
  EXPECT_EQ(h.engine().find_shtag("vip", 9), kActive);
}

TEST(engine_shtags, ActivationFailsOnlyWhenTheTagCannotExist) {
  Harness h = node1_with({2, 3});
  const std::string huge(ShtagTable::kMaxNameBytes + 1, 'x');
  EXPECT_EQ(h.engine().shtag_activate(h.at(100), huge, 1, ShtagReason::kMiCommand), std::nullopt);
  EXPECT_EQ(h.engine().shtag_get(huge, 1), std::nullopt);
  EXPECT_TRUE(h.drain().tx.empty());
  EXPECT_EQ(h.engine().shtag_activate(h.at(100), "", 1, ShtagReason::kMiCommand), kActive)
      << "an empty name is a name";
}

TEST(engine_shtags, ReadsCreateBackupTagsButFindDoesNot) {
  Harness h = node1_with({2, 3});
  EXPECT_EQ(h.engine().find_shtag("a", 1), std::nullopt);
  EXPECT_TRUE(h.engine().list_shtags().empty());
  EXPECT_EQ(h.engine().shtag_get("a", 1), kBackup);
  EXPECT_FALSE(h.engine().shtag_is_active("b", 7));
  EXPECT_EQ(h.engine().list_shtags(), (std::vector<ShtagView>{{"b", 7, kBackup}, {"a", 1, kBackup}}));
  h.engine().shtag_activate(h.at(100), "a", 1, ShtagReason::kApi);
  EXPECT_TRUE(h.engine().shtag_is_active("a", 1));
  EXPECT_EQ(h.engine().shtag_get_all_active(1), std::vector<std::string>{"a"});
  EXPECT_TRUE(h.engine().shtag_get_all_active(7).empty());
  EXPECT_TRUE(h.drain().events_of<ShtagChanged>().size() == 1u);
}

TEST(engine_shtags, DefinitionsOfUnknownClustersArePurgedWithAWarning) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2})});
  auto warnings = h.engine().define_shtags({{"vip", 1, kActive}, {"far", 5, kActive}});
  EXPECT_EQ(warnings, std::vector<std::string>{
                          "cluster id [5] required by tag far not found, purging tag"});
  EXPECT_EQ(h.engine().list_shtags(), (std::vector<ShtagView>{{"vip", 1, kActive}}));
}

TEST(engine_shtags, ReloadKeepsStatesPendingAnnouncementsAndReports) {
  Harness old(capture_config(1), {cluster_of(1, 1, {2}), cluster_of(2, 1, {3})});
  old.engine().define_shtags({{"vip", 1, kActive}, {"gone", 2, kActive}});
  old.tick(0);
  old.engine().shtag_activate(old.at(100), "mi", 1, ShtagReason::kMiCommand);  // 2 is down
  old.drain();
  // The reloaded data set lost cluster 2.
  Harness fresh(capture_config(1), {cluster_of(1, 1, {2})});
  auto warnings = fresh.engine().keep_shtags_of(old.engine());
  EXPECT_EQ(warnings, std::vector<std::string>{
                          "cluster id [2] required by tag gone not found, purging tag"});
  EXPECT_EQ(fresh.engine().list_shtags(),
            (std::vector<ShtagView>{{"mi", 1, kActive}, {"vip", 1, kActive}}));
  EXPECT_EQ(fresh.engine().sharing_tags_reports().size(), 1u);
  Output o = fresh.drain();
  EXPECT_TRUE(changes(o).empty()) << "a reload raises nothing";
  fresh.tick(0);
  o = fresh.packet(10, pong_from(1, 2));
  EXPECT_EQ(shtags_to(o, 2), (Sent{{2, "vip"}, {2, "mi"}}))
      << "still pending: announced when the node comes up";
}

TEST(engine_shtags, MovedEngineKeepsItsTags) {
  Harness h = node1_with({2, 3}, {{"vip", 1, kActive}});
  Engine moved = std::move(h.engine());
  EXPECT_EQ(moved.find_shtag("vip", 1), kActive);
}

// Capture "three": node 2 runs clusterer_shtag_set_active vip/1 and sends
// these two packets (to node 3, then to node 1); node 1 goes backup.
constexpr const char* kCapturedTo3 =
    "5034434b3000000001000f00636c757374657265722d65787472610d0000000300766970010000000200000003000000";
constexpr const char* kCapturedTo1 =
    "5034434b3000000001000f00636c757374657265722d65787472610d0000000300766970010000000200000001000000";

TEST(engine_shtags, ActivationBytesMatchTheCapture) {
  Harness h(capture_config(2), {cluster_of(1, 2, {1, 3})});
  ASSERT_TRUE(h.engine().define_shtags({{"vip", 1, kBackup}}).empty());
  h.tick(0);
  h.packet(10, pong_from(1, 1));
  h.packet(10, pong_from(1, 3));
  h.engine().shtag_activate(h.at(100), "vip", 1, ShtagReason::kMiCommand);
  Output o = h.drain();
  ASSERT_EQ(o.tx.size(), 2u);
  EXPECT_EQ(o.tx[0].node_id, 3);
  EXPECT_EQ(o.tx[0].bytes, hex(kCapturedTo3));
  EXPECT_EQ(o.tx[1].node_id, 1);
  EXPECT_EQ(o.tx[1].bytes, hex(kCapturedTo1));
}

TEST(engine_shtags, CapturedAnnouncementMakesTheConfiguredHolderBackup) {
  Harness h = node1_with({2, 3}, {{"vip", 1, kActive}});
  Output o = h.packet(200, hex(kCapturedTo1));
  EXPECT_EQ(h.engine().find_shtag("vip", 1), kBackup);
  ASSERT_EQ(changes(o).size(), 1u);
  EXPECT_EQ(changes(o)[0].reason, "cluster broadcast from 2");
}

// §B.9 sync status: per (tag, capability), required until set otherwise;
// the setters change nothing while the capability's sync is queued or
// running.
TEST(engine_shtags, SyncStatusPerTagAndCapability) {
  Harness h = node1_with({2, 3}, {{"vip", 1, kActive}, {"db", 1, kBackup}});
  Engine& e = h.engine();
  EXPECT_EQ(e.shtag_get_sync_status("vip", 1, "dlg"), true) << "a new pair starts required";
  EXPECT_TRUE(e.shtag_set_sync_status("vip", 1, "dlg", false));
  EXPECT_EQ(e.shtag_get_sync_status("vip", 1, "dlg"), false);
  EXPECT_EQ(e.shtag_get_sync_status("vip", 1, "other"), true) << "per capability";
  EXPECT_EQ(e.shtag_get_sync_status("db", 1, "dlg"), true) << "per tag";
  EXPECT_EQ(e.shtag_get_sync_status("new", 1, "dlg"), true);
  EXPECT_EQ(e.find_shtag("new", 1), kBackup) << "get creates the tag, like shtag_get";

  // Every tag of the cluster at once.
  EXPECT_TRUE(e.shtag_set_sync_status("", 1, "dlg", false));
  for (const char* t : {"vip", "db", "new"}) EXPECT_EQ(e.shtag_get_sync_status(t, 1, "dlg"), false);

  // Backup tags need a sync, active ones do not.
  EXPECT_TRUE(e.shtag_sync_all_backup(1, "dlg"));
  EXPECT_EQ(e.shtag_get_sync_status("vip", 1, "dlg"), false);
  EXPECT_EQ(e.shtag_get_sync_status("db", 1, "dlg"), true);
  EXPECT_EQ(e.shtag_get_sync_status("new", 1, "dlg"), true);
  EXPECT_FALSE(e.shtag_set_sync_status("vip", 1, "", true)) << "a capability is named";
}

TEST(engine_shtags, SyncStatusIsFrozenWhileTheCapabilitySyncs) {
  Harness h = node1_with({2, 3}, {{"vip", 1, kBackup}});
  Engine& e = h.engine();
  ASSERT_TRUE(e.register_capability(CapabilitySpec{"dlg", 1, true}));
  EXPECT_TRUE(e.shtag_set_sync_status("vip", 1, "dlg", false));
  // No peer is synced: the request is queued (sync pending).
  ASSERT_EQ(e.request_sync(h.at(100), 1, "dlg"), SyncRequest::kQueued);
  EXPECT_FALSE(e.shtag_set_sync_status("vip", 1, "dlg", true));
  EXPECT_FALSE(e.shtag_sync_all_backup(1, "dlg"));
  EXPECT_EQ(e.shtag_get_sync_status("vip", 1, "dlg"), false) << "unchanged while pending";
  // Only that capability is frozen.
  EXPECT_TRUE(e.shtag_set_sync_status("vip", 1, "other", false));
}

}  // namespace
}  // namespace lc::core::test
