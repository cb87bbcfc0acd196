// The script-function commands (cluster_send_req, cluster_send_rpl,
// cluster_broadcast_req, cluster_check_addr), tags, events and subscribe.
#include <gtest/gtest.h>

#include "libcluster/mi/events.h"
#include "libcluster/mi/tag.h"
#include "mi_test_util.h"

namespace lc::mi::test {
namespace {

using core::LinkState;
const std::string kOk = R"({"jsonrpc":"2.0","result":"OK","id":1})";

// Tags of FakeContext: the "random" source counts 0, 1, 2...
const std::string kFirstTag = "1-1-ABCDEFGHIJKLMNOPQRSTUVWX";

std::unique_ptr<Node> three() {
  core::ClusterSpec spec = core::test::cluster_of(1, 1, {2, 3});
  spec.nodes[0].sip_addr = "10.0.0.2:5060";
  auto n = std::make_unique<Node>(core::test::capture_config(1), std::vector{spec});
  n->h.tick(0);
  n->h.packet(10, pong(1, 2));
  n->h.packet(11, pong(1, 3));
  n->h.drain();
  return n;
}

std::vector<wire::GenericMsg> generic_to(const core::test::Output& o, int32_t node) {
  std::vector<wire::GenericMsg> out;
  for (const auto& p : o.to(node))
    if (const auto* m = std::get_if<wire::ExtraMessage>(&p))
      if (const auto* g = std::get_if<wire::GenericMsg>(&m->body)) out.push_back(*g);
  return out;
}

std::string tag_reply(const std::string& tag) {
  return R"({"jsonrpc":"2.0","result":{"tag":")" + tag + R"("},"id":1})";
}

std::string invalid(std::string_view data) {
  return R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":")" +
         std::string(data) + R"("},"id":1})";
}

TEST(mi_tag, AlphabetAndFormat) {
  uint32_t i = 0;
  std::string tag = make_tag(3, 12, [&] { return i++; });
  EXPECT_EQ(tag, "3-12-ABCDEFGHIJKLMNOPQRSTUVWX");
  i = 24;
  tag = make_tag(1, 2, [&] { return i++; });
  EXPECT_EQ(tag.substr(4), "YZ123456abcdefghijklmnop") << "'[' .. '`' become '1' .. '6'";
  std::string alphabet;
  for (uint32_t v = 0; v < 57; ++v) alphabet += make_tag(1, 1, [v] { return v; }).back();
  EXPECT_EQ(alphabet, "ABCDEFGHIJKLMNOPQRSTUVWXYZ123456abcdefghijklmnopqrstuvwxy");
  EXPECT_EQ(make_tag(1, 1, [] { return 57u; }).back(), 'A') << "taken modulo 57";
  EXPECT_EQ(make_tag(1, 1, [] { return 0xFFFFFFFFu; }).size(), 4u + kTagRandomChars);
}

TEST(mi_script, SendReq) {
  auto n = three();
  EXPECT_EQ(n->call("cluster_send_req", {{"cluster_id", 1}, {"dst_id", 2}, {"msg", "hello"}}),
            tag_reply(kFirstTag));
  auto sent = generic_to(n->h.drain(), 2);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].req_like, 1);
  EXPECT_EQ(sent[0].tag, kFirstTag);
  EXPECT_EQ(sent[0].msg, "hello");
  // To self: raised locally, nothing on the wire.
  EXPECT_EQ(n->call("cluster_send_req", Json::array({"1", "1", 42})),
            tag_reply("1-1-YZ123456abcdefghijklmnop"));
  core::test::Output o = n->h.drain();
  EXPECT_TRUE(o.tx.empty());
  auto events = o.events_of<core::GenericReceived>();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].src_id, 1);
  EXPECT_EQ(events[0].msg, "42");
  EXPECT_TRUE(events[0].request);
}

TEST(mi_script, SendReqErrors) {
  auto n = three();
  auto send = [&](const Json& cid, const Json& dst, const Json& msg) {
    return n->call("cluster_send_req", {{"cluster_id", cid}, {"dst_id", dst}, {"msg", msg}});
  };
  EXPECT_EQ(send("x", 2, "m"), invalid("Bad type for parameter 'cluster_id'"));
  EXPECT_EQ(send(0, 2, "m"), error_reply(400, "Bad value for 'cluster_id'"));
  EXPECT_EQ(send(9, "x", "m"), error_reply(400, "Unknown cluster id"));
  EXPECT_EQ(send(1, "x", "m"), invalid("Bad type for parameter 'dst_id'"));
  EXPECT_EQ(send(1, -2, "m"), error_reply(400, "Bad value for 'dst_id'"));
  EXPECT_EQ(send(1, 2, Json::array()), invalid("Bad type for parameter 'msg'"));
  EXPECT_EQ(send(1, 42, "m"), error_reply(400, "Unknown node id"));
  // Unreachable: node 3 silent and reported Down by 2.
  n->h.packet(30, ls_update(1, 2, 0, 3, false));
  keep_only_node2_alive(*n, 500, 4000);
  n->ctx.now_ms = 4001;
  EXPECT_EQ(send(1, 3, "m"), error_reply(503, "Destination not reachable through any path"));
  n->h.engine().set_status(n->h.at(4002), 1, 1, false);
  EXPECT_EQ(send(1, 2, "m"), error_reply(503, "Local node disabled"));
  EXPECT_EQ(send(1, 42, "m"), error_reply(503, "Local node disabled"));
}

TEST(mi_script, SendRpl) {
  auto n = three();
  auto rpl = [&](const Json& dst, const Json& tag) {
    return n->call("cluster_send_rpl", {{"cluster_id", 1}, {"dst_id", dst}, {"msg", "m"}, {"tag", tag}});
  };
  EXPECT_EQ(rpl(2, "1-2-abc"), kOk);
  auto sent = generic_to(n->h.drain(), 2);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].req_like, 0);
  EXPECT_EQ(sent[0].tag, "1-2-abc");
  EXPECT_EQ(rpl(2, ""), error_reply(400, "Empty tag"));
  EXPECT_EQ(rpl(2, Json::object()), invalid("Bad type for parameter 'tag'"));
  EXPECT_EQ(rpl("x", ""), invalid("Bad type for parameter 'dst_id'")) << "params in order";
  EXPECT_EQ(rpl(1, "t"), kOk);
  auto events = n->h.drain().events_of<core::GenericReceived>();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].request);
  EXPECT_EQ(n->call("cluster_send_rpl", Json::array({1, 2, "m"})),
            invalid("Too few or too many parameters"));
}

TEST(mi_script, BroadcastReq) {
  auto n = three();
  EXPECT_EQ(n->call("cluster_broadcast_req", {{"cluster_id", 1}, {"msg", "hi"}}), tag_reply(kFirstTag));
  core::test::Output o = n->h.drain();
  EXPECT_EQ(generic_to(o, 2).size(), 1u);
  EXPECT_EQ(generic_to(o, 3).size(), 1u);
  EXPECT_TRUE(o.events_of<core::GenericReceived>().empty());
  n->call("cluster_broadcast_req", {{"cluster_id", 1}, {"msg", "hi"}, {"include_self", "1"}});
  auto events = n->h.drain().events_of<core::GenericReceived>();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].src_id, 1);
  EXPECT_EQ(n->call("cluster_broadcast_req", {{"cluster_id", 9}, {"msg", "hi"}}),
            error_reply(400, "Unknown cluster id"));
  EXPECT_EQ(n->call("cluster_broadcast_req", {{"cluster_id", 1}, {"msg", "hi"}, {"include_self", "yes"}}),
            invalid("Bad type for parameter 'include_self'"));
  n->h.engine().set_status(n->h.at(200), 1, 1, false);
  EXPECT_EQ(n->call("cluster_broadcast_req", {{"cluster_id", 1}, {"msg", "hi"}, {"include_self", 1}}),
            error_reply(503, "Local node disabled"));
}

TEST(mi_script, BroadcastReqOutcomes) {
  // Alone in the cluster: nothing to send is a success.
  Node alone(core::test::capture_config(1), {core::test::cluster_of(1, 1, {})});
  EXPECT_EQ(alone.call("cluster_broadcast_req", {{"cluster_id", 1}, {"msg", "m"}}), tag_reply(kFirstTag));
  // Every peer unreachable.
  Node cut(core::test::capture_config(1), {core::test::cluster_of(1, 1, {2})});
  cut.h.tick(0);
  EXPECT_EQ(cut.call("cluster_broadcast_req", {{"cluster_id", 1}, {"msg", "m"}}),
            error_reply(503, "Destination not reachable through any path"));
}

TEST(mi_script, CheckAddr) {
  auto n = three();
  auto check = [&](const Json& p) { return n->call("cluster_check_addr", p); };
  const std::string yes = R"({"jsonrpc":"2.0","result":{"match":true},"id":1})";
  const std::string no = R"({"jsonrpc":"2.0","result":{"match":false},"id":1})";
  EXPECT_EQ(check({{"cluster_id", 1}, {"ip", "10.0.0.2"}}), yes) << "sip_addr up to its ':'";
  EXPECT_EQ(check({{"cluster_id", 1}, {"ip", "10.0.0.2"}, {"addr_type", "SIP"}}), yes);
  EXPECT_EQ(check({{"cluster_id", 1}, {"ip", "10.0.0.3"}}), no);
  EXPECT_EQ(check({{"cluster_id", 1}, {"ip", "127.0.0.1"}, {"addr_type", "Bin"}}), yes);
  EXPECT_EQ(check({{"cluster_id", 1}, {"ip", "127.0.0.2"}, {"addr_type", "bin"}}), no);
  EXPECT_EQ(check({{"cluster_id", 1}, {"ip", "not an ip"}, {"addr_type", "bin"}}), no);
  EXPECT_EQ(check({{"cluster_id", 1}, {"ip", "10.0.0.2"}, {"addr_type", "udp"}}),
            error_reply(400, "Bad value for 'addr_type'"));
  EXPECT_EQ(check({{"cluster_id", 9}, {"ip", "10.0.0.2"}}), error_reply(400, "Unknown cluster id"));
  EXPECT_EQ(check({{"cluster_id", 1}, {"ip", Json::array()}}), invalid("Bad type for parameter 'ip'"));
}

TEST(mi_events, Notifications) {
  EXPECT_EQ(to_text(*event_notification(core::NodeStateChanged{1, 3, true})),
            R"({"jsonrpc":"2.0","method":"E_CLUSTERER_NODE_STATE_CHANGED","params":{"cluster_id":1,"node_id":3,"new_state":1}})");
  EXPECT_EQ(to_text(*event_notification(core::NodeStateChanged{2, 4, false})),
            R"({"jsonrpc":"2.0","method":"E_CLUSTERER_NODE_STATE_CHANGED","params":{"cluster_id":2,"node_id":4,"new_state":0}})");
  EXPECT_EQ(to_text(*event_notification(core::GenericReceived{1, 2, true, "hello", "1-2-abc"})),
            R"({"jsonrpc":"2.0","method":"E_CLUSTERER_REQ_RECEIVED","params":{"cluster_id":1,"src_id":2,"msg":"hello","tag":"1-2-abc"}})");
  EXPECT_EQ(to_text(*event_notification(core::GenericReceived{1, 2, false, "\xff", "t"})),
            std::string(R"({"jsonrpc":"2.0","method":"E_CLUSTERER_RPL_RECEIVED","params":{"cluster_id":1,"src_id":2,"msg":")") +
                "\xEF\xBF\xBD" + R"(","tag":"t"}})")
      << "invalid UTF-8 from a peer is replaced, not fatal";
  EXPECT_FALSE(event_notification(core::Diagnostic{}));
  EXPECT_FALSE(event_notification(core::MiCommandReceived{}));
  EXPECT_FALSE(event_notification(core::NodeAdded{}));
}

TEST(mi_events, Subscribe) {
  auto n = three();
  Reply all = n->reply(R"({"jsonrpc":"2.0","method":"subscribe","id":1})");
  ASSERT_TRUE(all.response);
  EXPECT_EQ(to_text(*all.response),
            R"({"jsonrpc":"2.0","result":{"events":["E_CLUSTERER_NODE_STATE_CHANGED","E_CLUSTERER_REQ_RECEIVED","E_CLUSTERER_RPL_RECEIVED","E_CLUSTERER_SHARING_TAG_CHANGED","E_CORE_SR_STATUS_CHANGED"]},"id":1})");
  ASSERT_TRUE(all.stream);
  EXPECT_EQ(all.stream->events.size(), 5u);
  EXPECT_TRUE(all.stream->wants(core::NodeStateChanged{}));
  EXPECT_FALSE(all.stream->wants(core::Diagnostic{}));

  Reply some = n->reply(
      R"({"jsonrpc":"2.0","method":"subscribe","params":{"events":["E_CLUSTERER_REQ_RECEIVED","E_CLUSTERER_REQ_RECEIVED"]},"id":1})");
  ASSERT_TRUE(some.stream);
  EXPECT_EQ(some.stream->events, std::vector<std::string>{"E_CLUSTERER_REQ_RECEIVED"});
  EXPECT_TRUE(some.stream->wants(core::GenericReceived{1, 2, true, "", ""}));
  EXPECT_FALSE(some.stream->wants(core::GenericReceived{1, 2, false, "", ""}));
  EXPECT_FALSE(some.stream->wants(core::NodeStateChanged{}));

  Reply bad = n->reply(R"({"jsonrpc":"2.0","method":"subscribe","params":[["E_NOPE"]],"id":1})");
  EXPECT_FALSE(bad.stream);
  EXPECT_EQ(to_text(*bad.response), error_reply(400, "Unknown event 'E_NOPE'"));
  EXPECT_EQ(n->call("subscribe", {{"events", "E_CLUSTERER_REQ_RECEIVED"}}),
            invalid("Bad type for parameter 'events'"));
  // Without an id: no reply, but the stream starts.
  Reply quiet = n->reply(R"({"jsonrpc":"2.0","method":"subscribe"})");
  EXPECT_FALSE(quiet.response);
  EXPECT_TRUE(quiet.stream);
  EXPECT_TRUE(n->registry.find("subscribe")->streaming);
}

}  // namespace
}  // namespace lc::mi::test
