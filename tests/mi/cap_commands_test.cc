// Capability MI commands (mi.md §2.8, §2.9, §6; clusterer_sync is ours):
// every row of the error tables, and the captured node-1 session replayed
// through the capability's whole life: postponed at start, disabled,
// enabled, then synced from a peer with nothing to send.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "libcluster/mi/events.h"
#include "mi_test_util.h"

namespace lc::mi::test {
namespace {

constexpr const char* kCap = "cachedb-local-repl";
const std::string kOk = R"({"jsonrpc":"2.0","result":"OK","id":1})";

std::string bad_type(std::string_view p) {
  return R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad type for parameter ')" +
         std::string(p) + R"('"},"id":1})";
}

const CapturedCall& captured(std::string_view request) {
  static const auto calls = captured_calls("opensips-3.6.8-mi-commands.txt");
  for (const auto& c : calls)
    if (c.comment.starts_with("node 1") && c.request.find(request) != std::string::npos) return c;
  throw std::runtime_error("no such captured call: " + std::string(request));
}

wire::Bytes cap_update(int32_t src, int32_t seq, int32_t state) {
  wire::CapUpdate m{
      seq, 1'795'619'218, {wire::CapBlock{src, {wire::CapState{kCap, state}}}}, 0, {src}};
  return wire::encode(wire::InternalMessage{1, src, m, wire::kBinVersion});
}

wire::Bytes sync_end_from(int32_t src, int32_t chunks) {
  return wire::encode(wire::ExtraMessage{wire::Trailer{1, src, 1}, wire::SyncEnd{kCap, chunks},
                                         wire::kBinSyncVersion});
}

class mi_caps : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC", 1);  // the captures were taken on a UTC host
    tzset();
    // The captured node 1: a seed whose cachedb_local asked for a sync at
    // start (unix 1795619214), before its peers were up.
    core::ClusterSpec spec = core::test::cluster_of(1, 1, {2, 3});
    spec.local.flags = "seed";
    n = std::make_unique<Node>(core::test::capture_config(1), std::vector{spec}, 1'795'619'214);
    Engine& e = n->h.engine();
    EXPECT_TRUE(e.register_capability(core::CapabilitySpec{kCap, 1, true}));
    EXPECT_EQ(e.request_sync(n->h.at(900), 1, kCap), core::SyncRequest::kQueued);
    n->h.tick(1'000);
    n->h.packet(1'010, pong(1, 2));
    n->h.packet(1'011, pong(1, 3));
    n->h.drain();
    n->ctx.now_ms = 1'100;
  }
  using Engine = core::Engine;

  // Keeps both links Up until `until_ms` (before the seed fallback, due
  // 5 s after the request).
  void run_until(int64_t until_ms) {
    for (int64_t t = 1'500; t <= until_ms; t += 500) {
      n->h.tick(t);
      n->h.packet(t + 1, pong(1, 2));
      n->h.packet(t + 1, pong(1, 3));
    }
    n->ctx.now_ms = until_ms;
  }

  std::unique_ptr<Node> n;
};

TEST_F(mi_caps, ListCapShowsTheCapturedStates) {
  EXPECT_EQ(n->rpc(captured("clusterer_list_cap").request), captured("clusterer_list_cap").reply);
  // A cluster without capabilities lists an empty array.
  Node bare(core::test::capture_config(1), {core::test::cluster_of(1, 1, {2})});
  EXPECT_EQ(
      bare.call("clusterer_list_cap"),
      R"({"jsonrpc":"2.0","result":{"Clusters":[{"cluster_id":1,"Capabilities":[]}]},"id":1})");
}

TEST_F(mi_caps, SetCapStatusErrorsInTheirOrder) {
  for (const char* req : {R"("capability":"nope","status":1})", R"("cluster_id":9,"capability")",
                          R"("capability":"cachedb-local-repl","status":3})"}) {
    const auto& c = captured(req);
    EXPECT_EQ(n->rpc(c.request), c.reply) << c.request;
  }
  auto call = [&](Json p) { return n->call("clusterer_set_cap_status", p); };
  EXPECT_EQ(call({{"cluster_id", 0}, {"capability", kCap}, {"status", 1}}),
            error_reply(400, "Bad value for 'cluster_id'"));
  EXPECT_EQ(call({{"cluster_id", "x"}, {"capability", kCap}, {"status", 1}}),
            bad_type("cluster_id"));
  EXPECT_EQ(call({{"cluster_id", 1}, {"capability", Json::array()}, {"status", 1}}),
            bad_type("capability"));
  EXPECT_EQ(call({{"cluster_id", 1}, {"capability", kCap}, {"status", "x"}}), bad_type("status"));
  EXPECT_EQ(call({{"cluster_id", 9}, {"capability", "nope"}, {"status", 7}}),
            error_reply(400, "Bad value for 'status'"))
      << "the status is checked before the cluster";
  EXPECT_EQ(call({{"cluster_id", 1}, {"capability", "Cachedb-Local-Repl"}, {"status", 1}}),
            error_reply(404, "Capability not found"))
      << "names are case-sensitive";
}

TEST_F(mi_caps, CapturedSessionByteExact) {
  run_until(5'000);  // unix 1795619219
  EXPECT_EQ(n->rpc(captured("\"capability\":\"cachedb-local-repl\",\"status\":0}}").request), kOk);
  EXPECT_EQ(n->rpc(captured("\"capability\":\"cachedb-local-repl\",\"status\":1}}").request), kOk);
  // Enabling told the peers "synced"; node 2 synced from us (nothing to
  // send) and says so; our queued request goes to it; its empty answer ends
  // our sync.
  n->h.drain();
  n->h.packet(5'100, cap_update(2, 1, 1));
  n->h.packet(5'200, sync_end_from(2, 0));
  n->ctx.now_ms = 5'300;
  for (const char* req :
       {"clusterer_list_cap", "\"method\":\"sr_list_status\"",
        "\"identifier\":\"cap:cachedb-local-repl\"}}", "\"method\":\"sr_list_identifiers\""}) {
    for (const auto& c : captured_calls("opensips-3.6.8-mi-commands.txt")) {
      if (!c.comment.starts_with("node 1") || c.request.find(req) == std::string::npos) continue;
      if (std::string_view(req) == "clusterer_list_cap" &&
          c.reply.find("\"Ok\"") == std::string::npos)
        continue;  // the first listing is the one before the session
      EXPECT_EQ(n->rpc(c.request), c.reply) << "capture line " << c.line_no << ": " << c.request;
    }
  }
}

TEST_F(mi_caps, StatusIdentifierFollowsTheSync) {
  auto status = [&] {
    return n->call("sr_get_status",
                   {{"group", "clusterer"}, {"identifier", "CAP:cachedb-local-repl"}});
  };
  EXPECT_EQ(
      status(),
      R"({"jsonrpc":"2.0","result":{"Readiness":false,"Status":-2,"Details":"sync pending"},"id":1})");
  EXPECT_EQ(
      n->call("sr_get_status", {{"group", "clusterer"}, {"identifier", "all"}}),
      R"({"jsonrpc":"2.0","result":{"Readiness":false,"Status":-1,"Details":"aggregated"},"id":1})");
  n->h.packet(1'200, cap_update(2, 0, 1));
  n->h.packet(1'300,
              wire::encode(wire::ExtraMessage{wire::Trailer{1, 2, 1}, wire::Sync{kCap, 1, {{1, 2}}},
                                              wire::kBinSyncVersion}));
  EXPECT_EQ(
      status(),
      R"({"jsonrpc":"2.0","result":{"Readiness":false,"Status":-1,"Details":"sync in progress"},"id":1})");
  EXPECT_EQ(n->call("sr_get_status", {{"group", "clusterer"}, {"identifier", "cap:nope"}}),
            error_reply(404, "Identity not found"));
}

// E_CORE_SR_STATUS_CHANGED (mi.md §3): published, subscribable, and raised by
// the engine on each change of a cap:<name> status.
TEST_F(mi_caps, StatusChangeEventIsPublished) {
  const core::Event e = core::CapStatusChanged{1, kCap, -1, "sync in progress", -2};
  EXPECT_EQ(event_name(e), kEventSrStatusChanged);
  EXPECT_EQ(
      to_text(*event_notification(e)),
      R"({"jsonrpc":"2.0","method":"E_CORE_SR_STATUS_CHANGED","params":{"group":"clusterer","identifier":"cap:cachedb-local-repl","status":-1,"details":"sync in progress","old_status":-2}})");
  Reply sub = n->reply(
      R"({"jsonrpc":"2.0","method":"subscribe","params":{"events":["E_CORE_SR_STATUS_CHANGED"]},"id":1})");
  ASSERT_TRUE(sub.stream);
  EXPECT_TRUE(sub.stream->wants(e));
  EXPECT_FALSE(sub.stream->wants(core::NodeStateChanged{}));

  std::vector<std::pair<int32_t, int32_t>> changes;  // (old, new)
  for (const auto& out : {n->h.packet(1'200, cap_update(2, 0, 1)),
                          n->h.packet(1'300, sync_end_from(2, 0))})
    for (const auto& ev : out.events)
      if (const auto* c = std::get_if<core::CapStatusChanged>(&ev))
        changes.emplace_back(c->old_status, c->status);
  EXPECT_EQ(changes, (std::vector<std::pair<int32_t, int32_t>>{{-2, 1}}))
      << "an empty sync goes from pending straight to synced";
}

TEST_F(mi_caps, SyncCommand) {
  auto sync = [&](Json p) { return n->call("clusterer_sync", p); };
  EXPECT_EQ(sync({{"cluster_id", 0}, {"capability", kCap}}),
            error_reply(400, "Bad value for 'cluster_id'"));
  EXPECT_EQ(sync({{"cluster_id", 9}, {"capability", kCap}}),
            error_reply(404, "Cluster id not found"));
  EXPECT_EQ(sync({{"cluster_id", 1}, {"capability", "nope"}}),
            error_reply(404, "Capability not found"));
  EXPECT_EQ(sync({{"cluster_id", 1}, {"capability", kCap}}), kOk) << "already queued: OK";
  n->h.packet(1'200, cap_update(2, 0, 1));  // the queued request goes to 2
  n->h.packet(1'300, sync_end_from(2, 0));
  ASSERT_TRUE(n->h.engine().capability(1, kCap)->ok);
  n->h.drain();
  // A resync of a synced capability: peers hear "not synced", 2 is asked.
  EXPECT_EQ(sync(Json::array({1, kCap})), kOk);
  auto out = n->h.drain();
  bool asked = false;
  for (const auto& p : out.to(2))
    if (const auto* m = std::get_if<wire::ExtraMessage>(&p))
      asked = asked || std::holds_alternative<wire::SyncReq>(m->body);
  EXPECT_TRUE(asked);
  EXPECT_EQ(
      n->call("clusterer_set_cap_status", {{"cluster_id", 1}, {"capability", kCap}, {"status", 0}}),
      kOk);
  EXPECT_EQ(sync({{"cluster_id", 1}, {"capability", kCap}}),
            error_reply(400, "Capability disabled"));
}

TEST_F(mi_caps, DeclarationsForWhichAndHelp) {
  EXPECT_EQ(n->call("which", {{"command", "clusterer_set_cap_status"}}),
            R"({"jsonrpc":"2.0","result":[["cluster_id","capability","status"]],"id":1})");
  EXPECT_EQ(
      n->call("help", {{"mi_cmd", "clusterer_list_cap"}}),
      R"({"jsonrpc":"2.0","result":{"Help":"lists registered capabilities and their states","Exported by":"clusterer"},"id":1})");
  const Command* sync = n->registry.find("clusterer_sync");
  ASSERT_NE(sync, nullptr);
  EXPECT_EQ(sync->cli_name, "sync");
  EXPECT_EQ(n->registry.find("clusterer_list_cap")->cli_name, "list_cap");
  EXPECT_EQ(n->registry.find("clusterer_set_cap_status")->cli_name, "set_cap_status");
}

}  // namespace
}  // namespace lc::mi::test
