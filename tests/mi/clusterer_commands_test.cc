// The clusterer MI commands: every row of the mi.md §2 tables, the list and
// topology shapes, and the scenario replies of captures/opensips-3.6.8-mi.txt.
#include <gtest/gtest.h>

#include "mi_test_util.h"

namespace lc::mi::test {
namespace {

using core::LinkState;
const std::string kOk = R"({"jsonrpc":"2.0","result":"OK","id":1})";

std::string bad_type(std::string_view p) {
  return R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad type for parameter ')" +
         std::string(p) + R"('"},"id":1})";
}
std::string bad_value_reply(std::string_view p) {
  return error_reply(400, "Bad value for '" + std::string(p) + "'");
}

// Node 1 of cluster 1 with peers 2 and 3, both Up, each advertising the other.
std::unique_ptr<Node> three(core::Config cfg = core::test::capture_config(1)) {
  auto n = std::make_unique<Node>(cfg, std::vector{core::test::cluster_of(1, 1, {2, 3})});
  n->h.tick(0);
  n->h.packet(10, pong(1, 2));
  n->h.packet(11, pong(1, 3));
  n->h.packet(20, ls_update(1, 2, 0, 3, true));
  n->h.packet(21, ls_update(1, 3, 0, 2, true));
  n->h.drain();
  return n;
}

const CapturedCall& captured(const std::vector<CapturedCall>& calls, std::string_view comment,
                             std::string_view request) {
  for (const auto& c : calls)
    if (c.comment.find(comment) != std::string::npos && c.request.find(request) != std::string::npos)
      return c;
  throw std::runtime_error("no such captured call: " + std::string(request));
}

std::vector<wire::MiCmd> mi_cmds_to(const core::test::Output& o, int32_t node) {
  std::vector<wire::MiCmd> out;
  for (const auto& p : o.to(node))
    if (const auto* m = std::get_if<wire::ExtraMessage>(&p))
      if (const auto* mi = std::get_if<wire::MiCmd>(&m->body)) out.push_back(*mi);
  return out;
}

// ---------------------------------------------------------------- reload

TEST(mi_clusterer, Reload) {
  auto n = three();
  EXPECT_EQ(n->call("clusterer_reload"), error_reply(400, "Non-DB mode"));
  EXPECT_EQ(n->ctx.reloads, 0);
  core::Config db = core::test::capture_config(1);
  db.db_mode = true;
  auto d = three(db);
  EXPECT_EQ(d->call("clusterer_reload"), kOk);
  EXPECT_EQ(d->ctx.reloads, 1);
  d->ctx.reload_error = app_error(500, "Failed to reload");
  EXPECT_EQ(d->call("clusterer_reload"), error_reply(500, "Failed to reload"));
  EXPECT_EQ(d->call("clusterer_reload", Json::array({1})),
            R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Too few or too many parameters"},"id":1})");
}

// The node reads the database off the loop: the reply comes when the read
// is done, and only then.
TEST(mi_clusterer, ReloadAnswersWhenTheDatabaseReadIsDone) {
  core::Config db = core::test::capture_config(1);
  db.db_mode = true;
  auto d = three(db);
  d->ctx.defer_reload = true;
  std::vector<std::string> replies;
  d->registry.handle_async(d->ctx, R"({"jsonrpc":"2.0","method":"clusterer_reload","id":7})",
                           [&](Reply r) { replies.push_back(to_text(*r.response)); });
  EXPECT_TRUE(replies.empty());
  ASSERT_TRUE(d->ctx.pending_reload);
  d->ctx.pending_reload(app_error(500, "Failed to reload"));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0], R"({"jsonrpc":"2.0","error":{"code":500,"message":"Failed to reload"},"id":7})");

  // The synchronous form cannot wait: it says so instead of hanging.
  EXPECT_EQ(d->call("clusterer_reload"),
            R"({"jsonrpc":"2.0","error":{"code":-32000,"message":"Server error","data":"Command answers asynchronously"},"id":1})");
}

TEST(mi_clusterer, BroadcastMiOfReloadAnswersWithTheLocalReload) {
  core::Config db = core::test::capture_config(1);
  db.db_mode = true;
  auto d = three(db);
  d->ctx.defer_reload = true;
  std::optional<Result> answer;
  d->registry.run_command_async(d->ctx, "cluster_broadcast_mi", {"1", "clusterer_reload"},
                                [&](Result r) { answer = std::move(r); });
  EXPECT_FALSE(answer);
  d->ctx.pending_reload(std::nullopt);
  ASSERT_TRUE(answer);
  EXPECT_TRUE(*answer);
  RemoteRun run;
  run_received(d->registry, d->ctx, core::MiCommandReceived{1, 2, "clusterer_reload", {}},
               [&](RemoteRun r) { run = std::move(r); });
  EXPECT_EQ(run.log, "");
  d->ctx.pending_reload(std::nullopt);
  EXPECT_EQ(run.log, "MI command clusterer_reload returned with success");
}

// ---------------------------------------------------------------- list, topology

TEST(mi_clusterer, ListShape) {
  core::ClusterSpec c1 = core::test::cluster_of(1, 1, {2, 3});
  c1.nodes[0].description = "Node B";
  c1.nodes[0].db_id = 20;
  c1.nodes[1].enabled = false;
  core::ClusterSpec c2 = core::test::cluster_of(7, 1, {});
  Node n(core::test::capture_config(1), {c1, c2});
  n.h.tick(0);
  n.h.packet(10, pong(1, 2));
  EXPECT_EQ(n.call("clusterer_list"),
            R"({"jsonrpc":"2.0","result":{"Clusters":[)"
            R"({"cluster_id":7,"Nodes":[]},)"
            R"({"cluster_id":1,"Nodes":[)"
            R"({"node_id":3,"db_id":-1,"url":"bin:127.0.0.1:17003","link_state":"Down","state":"disabled","next_hop":"none","description":"none"},)"
            R"({"node_id":2,"db_id":20,"url":"bin:127.0.0.1:17002","link_state":"Up","state":"enabled","next_hop":"2","description":"Node B"}]}]},"id":1})");
  EXPECT_EQ(n.call("clusterer_list_topology"),
            R"({"jsonrpc":"2.0","result":{"Clusters":[)"
            R"({"cluster_id":7,"Nodes":[{"node_id":1,"Neighbours":[]}]},)"
            R"({"cluster_id":1,"Nodes":[{"node_id":1,"Neighbours":[2]},{"node_id":3,"Neighbours":[]},{"node_id":2,"Neighbours":[1]}]}]},"id":1})");
}

TEST(mi_clusterer, ListWithoutClusters) {
  Node n(core::test::capture_config(1), {});
  EXPECT_EQ(n.call("clusterer_list"), R"({"jsonrpc":"2.0","result":{"Clusters":[]},"id":1})");
  EXPECT_EQ(n.call("clusterer_list_topology"), R"({"jsonrpc":"2.0","result":{"Clusters":[]},"id":1})");
}

TEST(mi_clusterer, ReroutingOffShowsDirectNeighboursAsTheirOwnHop) {
  core::Config cfg = core::test::capture_config(1);
  cfg.enable_rerouting = false;  // docs/decisions.md R3
  auto n = three(cfg);
  n->h.engine().set_status(n->h.at(30), 1, 3, false);
  Json list = Json::parse(n->call("clusterer_list"))["result"]["Clusters"][0]["Nodes"];
  EXPECT_EQ(list[0]["next_hop"], "none") << "node 3 only reachable through 2";
  EXPECT_EQ(list[1]["next_hop"], "2");
}

// ---------------------------------------------------------------- set_status

TEST(mi_clusterer, SetStatusTable) {
  auto n = three();
  auto set = [&](const Json& p) { return n->call("clusterer_set_status", p); };
  EXPECT_EQ(set({{"cluster_id", "x"}, {"status", 1}}), bad_type("cluster_id"));        // 1
  EXPECT_EQ(set({{"cluster_id", 0}, {"status", 5}}), bad_value_reply("cluster_id"));   // 2
  EXPECT_EQ(set({{"cluster_id", 1}, {"node_id", "x"}, {"status", 1}}), bad_type("node_id"));  // 3
  EXPECT_EQ(set({{"cluster_id", 9}, {"node_id", 0}, {"status", 1}}),
            bad_value_reply("node_id"));                                               // 4
  EXPECT_EQ(set({{"cluster_id", 9}, {"status", "on"}}), bad_type("status"));           // 5
  EXPECT_EQ(set({{"cluster_id", 9}, {"status", 5}}), bad_value_reply("status"));       // 6
  EXPECT_EQ(set({{"cluster_id", 9}, {"status", -1}}), bad_value_reply("status"));
  EXPECT_EQ(set({{"cluster_id", 9}, {"node_id", 42}, {"status", 1}}),
            error_reply(404, "Cluster id not found"));                                 // 7
  EXPECT_EQ(set({{"cluster_id", 1}, {"node_id", 42}, {"status", 1}}),
            error_reply(404, "Node id not found"));                                    // 8
  EXPECT_EQ(set({{"cluster_id", 1}, {"node_id", 2}, {"status", 1}}), kOk) << "no change is OK";
  EXPECT_TRUE(n->ctx.stored.empty()) << "no DB in db_mode 0";
}

TEST(mi_clusterer, SetStatusEffects) {
  auto n = three();
  EXPECT_EQ(n->call("clusterer_set_status", {{"cluster_id", 1}, {"node_id", 3}, {"status", 0}}), kOk);
  EXPECT_EQ(n->h.link(1, 3), LinkState::kDown);
  // Without node_id: the local node.
  EXPECT_EQ(n->call("clusterer_set_status", {{"cluster_id", 1}, {"status", 0}}), kOk);
  EXPECT_EQ(n->h.link(1, 2), LinkState::kDown);
  EXPECT_EQ(n->h.engine().send_generic(n->h.at(200), 1, 2, true, "t", "m"),
            core::SendResult::kCurrDisabled);
  EXPECT_EQ(n->call("clusterer_set_status", Json::array({1, 1, 1})), kOk) << "local id explicitly";
  EXPECT_EQ(n->h.link(1, 2), LinkState::kRestartPinging);
}

TEST(mi_clusterer, SetStatusStoresTheStateInDbMode) {
  core::Config db = core::test::capture_config(1);
  db.db_mode = true;
  auto n = three(db);
  EXPECT_EQ(n->call("clusterer_set_status", {{"cluster_id", 1}, {"node_id", 3}, {"status", 0}}), kOk);
  EXPECT_EQ(n->call("clusterer_set_status", {{"cluster_id", 1}, {"status", 1}}), kOk);
  EXPECT_EQ(n->call("clusterer_set_status", {{"cluster_id", 1}, {"node_id", 42}, {"status", 1}}),
            error_reply(404, "Node id not found"));
  using S = std::tuple<int32_t, int32_t, bool>;
  EXPECT_EQ(n->ctx.stored, (std::vector<S>{{1, 3, false}, {1, 1, true}}));
}

// ---------------------------------------------------------------- remove_node

TEST(mi_clusterer, RemoveNodeTable) {
  core::Config db = core::test::capture_config(1);
  db.db_mode = true;
  auto d = three(db);
  EXPECT_EQ(d->call("clusterer_remove_node", {{"cluster_id", "x"}, {"node_id", 2}}),
            error_reply(400, "Running in DB mode"));                                    // 1
  auto n = three();
  auto rm = [&](const Json& p) { return n->call("clusterer_remove_node", p); };
  EXPECT_EQ(rm({{"cluster_id", "x"}, {"node_id", 2}}), bad_type("cluster_id"));         // 2
  EXPECT_EQ(rm({{"cluster_id", -1}, {"node_id", "x"}}), bad_value_reply("cluster_id"));  // 3
  EXPECT_EQ(rm({{"cluster_id", 9}, {"node_id", "x"}}), error_reply(400, "Unknown cluster id"));  // 4
  EXPECT_EQ(rm({{"cluster_id", 1}, {"node_id", "x"}}), bad_type("node_id"));            // 5
  EXPECT_EQ(rm({{"cluster_id", 1}, {"node_id", 0}}), bad_value_reply("node_id"));        // 6
  EXPECT_EQ(rm({{"cluster_id", 1}, {"node_id", 42}}), error_reply(400, "Unknown node id"));  // 7
  EXPECT_EQ(rm({{"cluster_id", 1}, {"node_id", 1}}), error_reply(400, "Unknown node id"));
  EXPECT_EQ(rm({{"cluster_id", 1}, {"node_id", 3}}), kOk);
  core::test::Output o = n->h.drain();
  EXPECT_FALSE(o.to(2).empty()) << "REMOVE_NODE broadcast";
  Json nodes = Json::parse(n->call("clusterer_list"))["result"]["Clusters"][0]["Nodes"];
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0]["node_id"], 2);
}

// ---------------------------------------------------------------- cluster_send_mi

TEST(mi_clusterer, SendMiTable) {
  auto n = three();
  auto send = [&](Json p) {
    if (!p.contains("cmd_name")) p["cmd_name"] = "clusterer_list";
    return n->call("cluster_send_mi", p);
  };
  EXPECT_EQ(send({{"cluster_id", "x"}, {"destination", 2}}), bad_type("cluster_id"));       // 1
  EXPECT_EQ(send({{"cluster_id", 0}, {"destination", 2}}), bad_value_reply("cluster_id"));
  EXPECT_EQ(send({{"cluster_id", 1}, {"destination", "x"}}), bad_type("destination"));      // 2
  EXPECT_EQ(send({{"cluster_id", 1}, {"destination", 0}}), bad_value_reply("destination"));
  EXPECT_EQ(send({{"cluster_id", 1}, {"destination", 1}}),
            error_reply(400, "Local node specified as destination"));                        // 3
  EXPECT_EQ(send({{"cluster_id", 1}, {"destination", 2}, {"cmd_name", Json::object()}}),
            bad_type("cmd_name"));                                                           // 4
  EXPECT_EQ(send({{"cluster_id", 1}, {"destination", 2}, {"cmd_params", "x"}}),
            bad_type("cmd_params"));                                                         // 5
  EXPECT_EQ(send({{"cluster_id", 9}, {"destination", 2}}), error_reply(400, "Send error"));  // 9
  EXPECT_EQ(send({{"cluster_id", 1}, {"destination", 42}}), error_reply(400, "Send error"));
  EXPECT_EQ(send({{"cluster_id", 1}, {"destination", 2}, {"cmd_params", Json::array({Json::object()})}}),
            error_reply(400, "Send error"));
  EXPECT_TRUE(n->h.drain().tx.empty());
  EXPECT_EQ(send({{"cluster_id", 1}, {"destination", 2}, {"cmd_params", Json::array({"a", 5})}}), kOk);  // 6
  auto sent = mi_cmds_to(n->h.drain(), 2);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].cmd_name, "clusterer_list");
  EXPECT_EQ(sent[0].params, (std::vector<std::string>{"a", "5"}));
  EXPECT_EQ(send({{"cluster_id", 1}, {"destination", 2}, {"cmd_params", Json::array()}}), kOk);
  sent = mi_cmds_to(n->h.drain(), 2);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].params.empty()) << "an empty array is no params";
}

TEST(mi_clusterer, SendMiOutcomes) {
  auto n = three();
  auto send = [&](int32_t dst) {
    return n->call("cluster_send_mi", {{"cluster_id", 1}, {"destination", dst}, {"cmd_name", "x"}});
  };
  // Destination down: node 3 stops answering and node 2 reports it Down.
  n->h.packet(30, ls_update(1, 2, 1, 3, false));
  keep_only_node2_alive(*n, 500, 4000);
  ASSERT_FALSE(n->h.engine().get_next_hop(1, 3));
  n->h.drain();
  n->ctx.now_ms = 4001;
  EXPECT_EQ(send(3), error_reply(400, "Destination down"));                               // 8
  // A disabled destination is skipped silently.
  n->h.engine().set_status(n->h.at(4002), 1, 3, false);
  n->h.drain();
  EXPECT_EQ(send(3), kOk);
  EXPECT_TRUE(n->h.drain().tx.empty());
  // Local node disabled: a result, not an error.
  n->h.engine().set_status(n->h.at(4003), 1, 1, false);
  EXPECT_EQ(send(2), R"({"jsonrpc":"2.0","result":"Local node disabled","id":1})");      // 7
}

TEST(mi_clusterer, SendMiWithMoreThanTenParamsIsAnsweredButNotSent) {
  auto n = three();
  Json eleven = Json::array();
  for (int i = 0; i <= 10; ++i) eleven.push_back(std::to_string(i));
  auto send = [&](int32_t cluster, int32_t dst) {
    return n->call("cluster_send_mi", {{"cluster_id", cluster}, {"destination", dst},
                                       {"cmd_name", "x"}, {"cmd_params", eleven}});
  };
  EXPECT_EQ(send(1, 2), kOk);
  EXPECT_TRUE(n->h.drain().tx.empty());
  EXPECT_EQ(n->ctx.logs.size(), 1u);
  EXPECT_EQ(send(1, 42), error_reply(400, "Send error"));
  EXPECT_EQ(send(9, 2), error_reply(400, "Send error"));
  n->h.engine().set_status(n->h.at(200), 1, 2, false);
  EXPECT_EQ(send(1, 2), kOk) << "disabled destination";
  n->h.engine().set_status(n->h.at(200), 1, 1, false);
  EXPECT_EQ(send(1, 3), R"({"jsonrpc":"2.0","result":"Local node disabled","id":1})");
}

// ---------------------------------------------------------------- cluster_broadcast_mi

TEST(mi_clusterer, BroadcastMiTable) {
  auto n = three();
  auto bc = [&](const Json& p) { return n->call("cluster_broadcast_mi", p); };
  EXPECT_EQ(bc({{"cluster_id", "x"}, {"cmd_name", "clusterer_list"}}), bad_type("cluster_id"));  // 1
  EXPECT_EQ(bc({{"cluster_id", 0}, {"cmd_name", "clusterer_list"}}), bad_value_reply("cluster_id"));
  EXPECT_EQ(bc({{"cluster_id", 1}, {"cmd_name", true}}), bad_type("cmd_name"));                // 2
  EXPECT_EQ(bc({{"cluster_id", 1}, {"cmd_name", "clusterer_list"}, {"cmd_params", "x"}}),
            bad_type("cmd_params"));                                                            // 3
  EXPECT_TRUE(n->h.drain().tx.empty()) << "nothing broadcast on a param error";
  // 4-5: broadcast to every other node, then the local run's reply.
  EXPECT_EQ(bc({{"cluster_id", 1}, {"cmd_name", "clusterer_set_status"}, {"cmd_params", Json::array({1, 3, 0})}}),
            kOk);
  core::test::Output o = n->h.drain();
  ASSERT_EQ(mi_cmds_to(o, 2).size(), 1u);
  EXPECT_EQ(mi_cmds_to(o, 2)[0].params, (std::vector<std::string>{"1", "3", "0"}));
  ASSERT_EQ(mi_cmds_to(o, 3).size(), 1u);
  EXPECT_EQ(n->h.link(1, 3), LinkState::kDown) << "ran locally";
}

TEST(mi_clusterer, BroadcastMiLocalRunOutcomes) {
  auto n = three();
  auto bc = [&](const Json& p) { return n->call("cluster_broadcast_mi", p); };
  EXPECT_EQ(bc({{"cluster_id", 1}, {"cmd_name", "nope"}}), error_reply(400, "Command to be run not found"));
  EXPECT_EQ(bc({{"cluster_id", 1}, {"cmd_name", "subscribe"}}), error_reply(400, "Async commands not supported"));
  Command named;
  named.name = "named_only_cmd";
  named.cli_name = "named-only-cmd";
  named.recipes = {{}};
  named.named_only = true;
  named.handler = [](Call&) { return ok(); };
  n->registry.add(named);
  EXPECT_EQ(bc({{"cluster_id", 1}, {"cmd_name", "named_only_cmd"}}),
            error_reply(400, "Commands requiring named params not supported"));
  EXPECT_EQ(bc({{"cluster_id", 1}, {"cmd_name", "which"}, {"cmd_params", Json::array({Json::array()})}}),
            R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad type for array item in parameter 'cmd_params'"},"id":1})");
  EXPECT_EQ(bc({{"cluster_id", 1}, {"cmd_name", "clusterer_remove_node"}, {"cmd_params", Json::array({1})}}),
            R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Too few or too many parameters"},"id":1})");
  EXPECT_EQ(bc({{"cluster_id", 1}, {"cmd_name", "clusterer_set_status"}, {"cmd_params", Json::array({9, 1})}}),
            error_reply(404, "Cluster id not found")) << "the command's own error";
  // Unknown cluster: the broadcast fails (logged), the command still runs.
  n->ctx.logs.clear();
  EXPECT_EQ(bc({{"cluster_id", 9}, {"cmd_name", "which"}, {"cmd_params", Json::array({"clusterer_list"})}}),
            R"({"jsonrpc":"2.0","result":[[]],"id":1})");
  EXPECT_EQ(n->ctx.logs.size(), 1u);
}

TEST(mi_clusterer, BroadcastMiWhileLocalNodeDisabledStillRunsLocally) {
  auto n = three();
  n->h.engine().set_status(n->h.at(50), 1, 1, false);
  n->h.drain();
  EXPECT_EQ(n->call("cluster_broadcast_mi", {{"cluster_id", 1}, {"cmd_name", "clusterer_reload"}}),
            error_reply(400, "Non-DB mode"));
  EXPECT_TRUE(n->h.drain().tx.empty());
  EXPECT_EQ(n->ctx.logs.size(), 1u);
}

TEST(mi_clusterer, ReceivedMiCommandsRunPositionally) {
  auto n = three();
  RemoteRun r = run_received(n->registry, n->ctx, core::MiCommandReceived{1, 2, "clusterer_set_status", {"1", "3", "0"}});
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.log, "MI command clusterer_set_status returned with success");
  EXPECT_EQ(n->h.link(1, 3), LinkState::kDown);
  r = run_received(n->registry, n->ctx, core::MiCommandReceived{1, 2, "clusterer_reload", {}});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.log, "MI command clusterer_reload returned with error");
  r = run_received(n->registry, n->ctx, core::MiCommandReceived{1, 2, "nope", {}});
  EXPECT_EQ(r.log, "Command to be run not found");
  r = run_received(n->registry, n->ctx, core::MiCommandReceived{1, 2, "subscribe", {}});
  EXPECT_EQ(r.log, "Async commands not supported");
}

// ---------------------------------------------------------------- captures/opensips-3.6.8-mi.txt

TEST(mi_clusterer, CapturedScenarioThreeDisabledNodeKeepsItsRelay) {
  const auto calls = captured_calls("opensips-3.6.8-mi.txt");
  auto n = three();
  const auto& disable = captured(calls, "node 1", R"("node_id":3,"status":0)");
  EXPECT_EQ(n->rpc(disable.request), disable.reply);
  const auto& list = captured(calls, "a disabled node is Down", "clusterer_list");
  EXPECT_EQ(n->rpc(list.request), list.reply);
  const auto& enable = captured(calls, "", R"("node_id":3,"status":1)");
  EXPECT_EQ(n->rpc(enable.request), enable.reply);
}

TEST(mi_clusterer, CapturedScenarioTwoTopology) {
  const auto calls = captured_calls("opensips-3.6.8-mi.txt");
  Node n2(core::test::capture_config(2), {core::test::cluster_of(1, 2, {1})});
  n2.h.tick(0);
  n2.h.packet(10, pong(1, 1));
  const auto& topo = captured(calls, "scenario \"two\"", "clusterer_list_topology");
  EXPECT_EQ(n2.rpc(topo.request), topo.reply);
}

TEST(mi_clusterer, CapturedScenarioReqRemoveNode) {
  const auto calls = captured_calls("opensips-3.6.8-mi.txt");
  Node n1(core::test::capture_config(1), {core::test::cluster_of(1, 1, {2})});
  Node n2(core::test::capture_config(2), {core::test::cluster_of(1, 2, {1})});
  n1.h.tick(0);
  n2.h.tick(0);
  n1.h.packet(10, pong(1, 2));
  n2.h.packet(10, pong(1, 1));
  n1.h.drain();
  const auto& rm = captured(calls, "scenario \"req\"", "clusterer_remove_node");
  EXPECT_EQ(n1.rpc(rm.request), rm.reply);
  for (const auto& t : n1.h.drain().tx) n2.h.packet(20, t.bytes);
  const auto& removed = captured(calls, "it disabled itself", "clusterer_list");
  EXPECT_EQ(n2.rpc(removed.request), removed.reply);
  const auto& remover = calls.back();
  ASSERT_EQ(remover.comment, "node 1");
  EXPECT_EQ(n1.rpc(remover.request), remover.reply);
}

}  // namespace
}  // namespace lc::mi::test
