// Sharing-tag MI commands (mi.md §2.10, §2.11, our clusterer_shtag_get),
// the `sharing_tags` status/report identifier and the
// E_CLUSTERER_SHARING_TAG_CHANGED event: every row of the spec tables, and a
// replay of the captured node 1 / node 2 sharing-tag calls of
// captures/opensips-3.6.8-mi-commands.txt, node 1's SHTAG_ACTIVE packets
// carried to node 2.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "libcluster/mi/events.h"
#include "mi_test_util.h"

namespace lc::mi::test {
namespace {

const std::string kOk = R"({"jsonrpc":"2.0","result":"OK","id":1})";

std::string ok_reply(std::string_view result) {
  return R"({"jsonrpc":"2.0","result":)" + std::string(result) + R"(,"id":1})";
}

std::string bad_type(std::string_view p) {
  return R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad type for parameter ')" +
         std::string(p) + R"('"},"id":1})";
}

// Node `me` of cluster 1 (peers: the other two of 1..3), links Up.
std::unique_ptr<Node> node(int32_t me, std::vector<core::ShtagDefinition> tags = {}) {
  std::vector<int32_t> peers;
  for (int32_t id : {1, 2, 3})
    if (id != me) peers.push_back(id);
  auto n = std::make_unique<Node>(core::test::capture_config(me),
                                  std::vector{core::test::cluster_of(1, me, peers)});
  EXPECT_TRUE(n->h.engine().define_shtags(tags).empty());
  n->h.tick(0);
  for (int32_t id : peers) n->h.packet(10, pong(1, id));
  n->h.drain();
  return n;
}

class mi_shtags : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC", 1);  // the captures were taken on a UTC host
    tzset();
  }
};

std::string set_active(Node& n, const Json& tag) { return n.call("clusterer_shtag_set_active", {{"tag", tag}}); }
std::string get(Node& n, const Json& tag) { return n.call("clusterer_shtag_get", {{"tag", tag}}); }

TEST_F(mi_shtags, ListIsAnArrayNewestFirst) {
  auto n = node(1);
  EXPECT_EQ(n->call("clusterer_list_shtags"), ok_reply("[]"));
  n->h.engine().define_shtags({{"vip", 1, core::ShtagState::kActive}});
  n->h.engine().shtag_get("HA", 1);  // a read creates the tag
  EXPECT_EQ(n->call("clusterer_list_shtags"),
            ok_reply(R"([{"Tag":"HA","Cluster":1,"State":"backup"},{"Tag":"vip","Cluster":1,"State":"active"}])"));
}

TEST_F(mi_shtags, SetActiveChecksInTheSpecOrder) {
  auto n = node(1);
  EXPECT_EQ(n->call("clusterer_shtag_set_active"),
            R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Too few or too many parameters"},"id":1})");
  EXPECT_EQ(set_active(*n, Json::array({1})), bad_type("tag"));
  EXPECT_EQ(set_active(*n, "vip"), error_reply(400, "Bad tag format <name/cluster_id>"));
  EXPECT_EQ(set_active(*n, 5), error_reply(400, "Bad tag format <name/cluster_id>"))
      << "a number is read as a string";
  for (const char* bad : {"vip/x", "vip/", "vip/ ", "vip/-1", "vip/+1", "vip/1x", "vip/1 2",
                          "vip/99999999999", "/x/1"})
    EXPECT_EQ(set_active(*n, bad), error_reply(400, "Bad cluster ID in tag")) << bad;
  EXPECT_EQ(set_active(*n, "vip/2"), error_reply(404, "Cluster ID not found"));
  EXPECT_EQ(set_active(*n, "vip/0"), error_reply(404, "Cluster ID not found"));
  EXPECT_EQ(set_active(*n, std::string(core::ShtagTable::kMaxNameBytes + 1, 'x') + "/1"),
            error_reply(500, "Internal failure when activating tag"));
  EXPECT_EQ(n->call("clusterer_list_shtags"), ok_reply("[]")) << "no failed call created a tag";
  // Both parts trimmed; the name may be empty.
  EXPECT_EQ(set_active(*n, " vip \t/ 1 "), kOk);
  EXPECT_EQ(set_active(*n, "/1"), kOk);
  EXPECT_EQ(set_active(*n, "a/b/1"), error_reply(400, "Bad cluster ID in tag")) << "first '/'";
  EXPECT_EQ(n->call("clusterer_list_shtags"),
            ok_reply(R"([{"Tag":"","Cluster":1,"State":"active"},{"Tag":"vip","Cluster":1,"State":"active"}])"));
  EXPECT_EQ(set_active(*n, "vip/1"), kOk) << "already active is still OK";
  // Positional form.
  EXPECT_EQ(n->call("clusterer_shtag_set_active", Json::array({"pos/1"})), kOk);
}

TEST_F(mi_shtags, SetActiveBroadcastsReportsAndRaisesTheEvent) {
  auto n = node(1);
  n->ctx.now_ms = 4000;
  EXPECT_EQ(set_active(*n, "vip/1"), kOk);
  core::test::Output o = n->h.drain();
  int copies = 0;
  for (int32_t peer : {2, 3})
    for (const auto& p : o.to(peer))
      if (const auto* m = std::get_if<wire::ExtraMessage>(&p))
        copies += std::holds_alternative<wire::ShtagActive>(m->body) && m->trailer.dst_node_id == peer;
  EXPECT_EQ(copies, 2);
  auto ev = o.events_of<core::ShtagChanged>();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(to_text(*event_notification(core::Event{ev[0]})),
            R"({"jsonrpc":"2.0","method":"E_CLUSTERER_SHARING_TAG_CHANGED","params":{"name":"vip","cluster":1,"state":"active","reason":"MI command"}})");
  EXPECT_EQ(n->call("sr_list_reports", {{"group", "clusterer"}, {"identifier", "sharing_tags"}}),
            ok_reply(R"([{"Timestamp":1700000004,"Date":"Tue Nov 14 22:13:24 2023","Log":"TAG <vip>, cluster 1, became active due to MI command"}])"));
}

TEST_F(mi_shtags, GetIsOursAndCreatesNothing) {
  auto n = node(1, {{"vip", 1, core::ShtagState::kActive}, {"db", 1, core::ShtagState::kBackup}});
  EXPECT_EQ(get(*n, "vip/1"), ok_reply(R"({"Tag":"vip","Cluster":1,"State":"active"})"));
  EXPECT_EQ(get(*n, " db / 1"), ok_reply(R"({"Tag":"db","Cluster":1,"State":"backup"})"));
  EXPECT_EQ(get(*n, "nope/1"), error_reply(404, "Sharing tag not found"));
  EXPECT_EQ(get(*n, "vip/2"), error_reply(404, "Sharing tag not found"));
  EXPECT_EQ(get(*n, "vip"), error_reply(400, "Bad tag format <name/cluster_id>"));
  EXPECT_EQ(get(*n, "vip/x"), error_reply(400, "Bad cluster ID in tag"));
  EXPECT_EQ(get(*n, Json::object()), bad_type("tag"));
  EXPECT_EQ(n->h.engine().list_shtags().size(), 2u) << "unknown tags were not created";
  // A tag of a cluster that is not provisioned still reads (the API made it).
  n->h.engine().shtag_activate(n->ctx.now(), "far", 9, core::ShtagReason::kApi);
  EXPECT_EQ(get(*n, "far/9"), ok_reply(R"({"Tag":"far","Cluster":9,"State":"active"})"));
  EXPECT_EQ(n->registry.find("clusterer_shtag_get")->cli_name, "shtag_get");
}

TEST_F(mi_shtags, DeclarationsWhichAndHelp) {
  auto n = node(1);
  EXPECT_EQ(n->call("which", {{"command", "clusterer_shtag_set_active"}}), ok_reply(R"([["tag"]])"));
  EXPECT_EQ(n->call("which", {{"command", "clusterer_list_shtags"}}), ok_reply("[[]]"));
  EXPECT_EQ(n->call("help", {{"mi_cmd", "clusterer_list_shtags"}}),
            ok_reply(R"({"Help":"lists the sharing tags and their states","Exported by":"clusterer"})"));
  EXPECT_EQ(n->call("help", {{"mi_cmd", "clusterer_shtag_set_active"}}),
            ok_reply(R"({"Help":"switch the status of the give sharing tag to active","Exported by":"clusterer"})"));
  EXPECT_EQ(n->registry.find("clusterer_list_shtags")->cli_name, "list_shtags");
  EXPECT_EQ(n->registry.find("clusterer_shtag_set_active")->cli_name, "shtag_set_active");
}

TEST_F(mi_shtags, StatusIdentifierSitsBetweenCapsAndNodeStates) {
  auto n = node(1);
  EXPECT_EQ(n->call("sr_list_identifiers", {{"group", "clusterer"}}),
            ok_reply(R"({"Group":"clusterer","Identifiers":["sharing_tags","node_states"]})"));
  EXPECT_EQ(n->call("sr_get_status", {{"group", "clusterer"}, {"identifier", "SHARING_TAGS"}}),
            ok_reply(R"({"Readiness":true,"Status":1})"));
  EXPECT_EQ(n->call("sr_list_reports", {{"group", "clusterer"}, {"identifier", "sharing_tags"}}),
            ok_reply("[]"));
}

TEST_F(mi_shtags, ReceivedBroadcastReportsWithTheSender) {
  auto n = node(1, {{"HA", 1, core::ShtagState::kActive}});
  n->h.packet(500, wire::ExtraMessage{wire::Trailer{1, 2, 1}, wire::ShtagActive{"HA"}, wire::kBinVersion});
  EXPECT_EQ(Json::parse(n->call("sr_list_reports", {{"group", "clusterer"}, {"identifier", "sharing_tags"}}))
                ["result"][0]["Log"],
            "TAG <HA>, cluster 1, became backup due to cluster broadcast from 2");
}

TEST_F(mi_shtags, EventIsPublishedAndSubscribable) {
  auto n = node(1);
  const core::Event e = core::ShtagChanged{"HA", 1, false, "cluster broadcast from 2"};
  EXPECT_EQ(event_name(e), kEventShtagChanged);
  EXPECT_EQ(to_text(*event_notification(e)),
            R"({"jsonrpc":"2.0","method":"E_CLUSTERER_SHARING_TAG_CHANGED","params":{"name":"HA","cluster":1,"state":"backup","reason":"cluster broadcast from 2"}})");
  Reply one = n->reply(
      R"({"jsonrpc":"2.0","method":"subscribe","params":{"events":["E_CLUSTERER_SHARING_TAG_CHANGED"]},"id":1})");
  ASSERT_TRUE(one.stream);
  EXPECT_TRUE(one.stream->wants(e));
  EXPECT_FALSE(one.stream->wants(core::NodeStateChanged{}));
  Reply all = n->reply(R"({"jsonrpc":"2.0","method":"subscribe","id":1})");
  ASSERT_TRUE(all.stream);
  EXPECT_TRUE(all.stream->wants(e));
}

// The captured session: node 1 (vip/1=active) and node 2 (vip/1=backup).
// Node 1's calls are replayed on our node 1 and every packet it sends to
// node 2 is delivered to our node 2, whose calls are replayed too.
TEST_F(mi_shtags, CapturedSessionRepliesAreByteExact) {
  auto n1 = node1_of_capture();
  ASSERT_TRUE(n1->h.engine().define_shtags({{"vip", 1, core::ShtagState::kActive}}).empty());
  n1->ctx.now_ms = 4000;  // the activations happened at 1795619219
  auto n2 = node(2, {{"vip", 1, core::ShtagState::kBackup}});
  int compared = 0;
  for (const auto& c : captured_calls("opensips-3.6.8-mi-commands.txt")) {
    const bool ours = c.request.find("shtag") != std::string::npos ||
                      c.request.find(R"("sharing_tags")") != std::string::npos;
    if (!ours) continue;
    Node* target = c.comment.starts_with("node 1") ? n1.get()
                   : c.comment.starts_with("node 2") ? n2.get()
                                                     : nullptr;
    ASSERT_NE(target, nullptr) << c.comment;
    EXPECT_EQ(target->rpc(c.request), c.reply)
        << "capture line " << c.line_no << " (" << c.comment << "): " << c.request;
    ++compared;
    for (const auto& tx : n1->h.drain().tx)
      if (tx.node_id == 2) n2->h.packet(5000, tx.bytes);
  }
  EXPECT_EQ(compared, 12);
}

// captures/opensips-3.6.8-mi.txt: node 2 activates vip/1; node 1, which had
// it configured active, lists it as backup.
TEST_F(mi_shtags, ScenarioThreeActivationOnNode2) {
  auto n1 = node(1, {{"vip", 1, core::ShtagState::kActive}});
  auto n2 = node(2, {{"vip", 1, core::ShtagState::kBackup}});
  int step = 0;
  for (const auto& c : captured_calls("opensips-3.6.8-mi.txt")) {
    if (c.request.find("clusterer_shtag_set_active") != std::string::npos) {
      EXPECT_EQ(n2->rpc(c.request), c.reply);
      for (const auto& tx : n2->h.drain().tx)
        if (tx.node_id == 1) n1->h.packet(500, tx.bytes);
      ++step;
    } else if (c.request.find("clusterer_list_shtags") != std::string::npos) {
      EXPECT_EQ(n1->rpc(c.request), c.reply);
      ++step;
    }
  }
  EXPECT_EQ(step, 2);
}

}  // namespace
}  // namespace lc::mi::test
