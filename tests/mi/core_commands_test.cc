// which, help, get_statistics and the status/report commands.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "mi_test_util.h"

namespace lc::mi::test {
namespace {

class mi_core : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC", 1);
    tzset();
    n = node1_of_capture();
  }
  std::string result(std::string_view method, const Json& params = nullptr) {
    return Json::parse(n->call(method, params))["result"].dump();
  }
  std::unique_ptr<Node> n;
};

std::string ok_reply(std::string_view result) {
  return R"({"jsonrpc":"2.0","result":)" + std::string(result) + R"(,"id":1})";
}

TEST_F(mi_core, WhichListsCommandsOrTheirRecipes) {
  Json all = Json::parse(result("which"));
  ASSERT_TRUE(all.is_array());
  EXPECT_EQ(all.size(), n->registry.commands().size());
  EXPECT_EQ(all[0], "which");
  for (const char* name : {"clusterer_reload", "clusterer_list", "clusterer_list_topology",
                           "clusterer_set_status", "clusterer_remove_node", "cluster_send_mi",
                           "cluster_broadcast_mi", "get_statistics", "sr_get_status",
                           "sr_list_status", "sr_list_reports", "sr_list_identifiers", "help",
                           "cluster_send_req", "cluster_send_rpl", "cluster_broadcast_req",
                           "cluster_check_addr", "subscribe"})
    EXPECT_NE(std::find(all.begin(), all.end(), name), all.end()) << name;
  EXPECT_EQ(result("which", {{"command", "clusterer_list"}}), "[[]]");
  EXPECT_EQ(result("which", {{"command", "sr_list_reports"}}),
            R"([[],["group"],["group","identifier"]])");
  EXPECT_EQ(n->call("which", {{"command", "nope"}}), error_reply(404, "unknown MI command"));
}

TEST_F(mi_core, LogLevelReadsAndSets) {
  EXPECT_EQ(n->call("log_level"),
            ok_reply(R"({"Processes":[{"PID":4242,"Log level":3,"Type":"clusterd"}]})"));
  EXPECT_EQ(n->call("log_level", {{"level", 4}}), ok_reply(R"({"New global log level":4})"));
  EXPECT_EQ(n->ctx.level, 4);
  // opensips-cli sends positional values as strings.
  EXPECT_EQ(n->call("log_level", Json::array({"-1"})), ok_reply(R"({"New global log level":-1})"));
  EXPECT_EQ(n->call("log_level", {{"level", 2}, {"pid", 4242}}), ok_reply(R"({"Log level":2})"));
  EXPECT_EQ(n->ctx.level, 2);
  EXPECT_EQ(n->call("log_level", {{"level", 2}, {"pid", 7}}), error_reply(404, "Process not found"));
  EXPECT_EQ(n->call("log_level", {{"level", 9}}), error_reply(400, "Bad log level"));
  EXPECT_EQ(n->call("log_level", {{"level", 0}}), error_reply(400, "Bad log level"));
  EXPECT_EQ(n->ctx.level, 2) << "a refused level changes nothing";
}

TEST_F(mi_core, Help) {
  EXPECT_EQ(n->call("help", {{"mi_cmd", "clusterer_list"}}),
            ok_reply(R"({"Help":"lists the available connections for the specified server","Exported by":"clusterer"})"));
  EXPECT_EQ(n->call("help", Json::array({"clusterer_remove_node"})),
            ok_reply(R"({"Help":"removes a node from the cluster","Exported by":"clusterer"})"));
  EXPECT_EQ(n->call("help", {{"mi_cmd", "get_statistics"}}),
            ok_reply(R"({"Help":"prints the statistics (all, group or one) realtime values.","Exported by":"statistics"})"));
  EXPECT_EQ(n->call("help"),
            ok_reply(R"("Usage: help mi_cmd - returns information about 'mi_cmd'")"));
  EXPECT_EQ(n->call("help", {{"mi_cmd", "nope"}}), error_reply(404, "unknown MI command"));
  // The spec's help texts (mi.md §2).
  const std::pair<const char*, const char*> texts[] = {
      {"clusterer_reload", "reloads stored data from the database"},
      {"clusterer_set_status", "sets the status for a specified connection"},
      {"clusterer_list_topology", "lists the topology as known by the current node"},
      {"cluster_send_mi", "sends an MI command to be run on a specific node in a cluster"},
      {"cluster_broadcast_mi", "dispatches an MI command to be run on all nodes in a cluster"},
  };
  for (const auto& [cmd, text] : texts)
    EXPECT_EQ(Json::parse(result("help", {{"mi_cmd", cmd}}))["Help"], text) << cmd;
}

TEST_F(mi_core, Statistics) {
  const char* all = R"({"clusterer:clusterer_nodes":2,"clusterer:clusterer_nodes_up":2,"clusterer:clusterer_nodes_down":0})";
  EXPECT_EQ(result("get_statistics", {{"statistics", Json::array({"clusterer:"})}}), all);
  EXPECT_EQ(result("get_statistics", {{"statistics", Json::array({"all"})}}), all);
  EXPECT_EQ(result("get_statistics", {{"statistics", Json::array({"CLUSTERER:"})}}), all);
  EXPECT_EQ(result("get_statistics", {{"statistics", Json::array({"clusterer:clusterer_nodes"})}}),
            R"({"clusterer:clusterer_nodes":2})");
  EXPECT_EQ(result("get_statistics", {{"statistics", Json::array({"Clusterer_Nodes_Up", "nope"})}}),
            R"({"clusterer:clusterer_nodes_up":2})");
  n->ctx.now_ms = 200;
  n->registry.handle(n->ctx, R"({"jsonrpc":"2.0","method":"clusterer_set_status","params":[1,3,0],"id":1})");
  EXPECT_EQ(result("get_statistics", {{"statistics", Json::array({"clusterer_nodes_down"})}}),
            R"({"clusterer:clusterer_nodes_down":1})");
  EXPECT_EQ(n->call("get_statistics", {{"statistics", Json::array({"nope", "other:"})}}),
            error_reply(404, "Statistics Not Found"));
  EXPECT_EQ(n->call("get_statistics", {{"statistics", Json::array()}}),
            R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Empty array in parameter 'statistics'"},"id":1})");
  EXPECT_EQ(n->call("get_statistics", {{"statistics", "clusterer:"}}),
            R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad type for parameter 'statistics'"},"id":1})");
  EXPECT_EQ(n->call("get_statistics", {{"statistics", Json::array({true})}}),
            R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad type for array item in parameter 'statistics'"},"id":1})");
  n->ctx.stats_enabled = false;
  EXPECT_EQ(n->call("get_statistics", {{"statistics", Json::array({"clusterer:"})}}),
            error_reply(404, "Statistics Not Found"));
}

TEST_F(mi_core, NodeStatesStatus) {
  const char* ready = R"({"Readiness":true,"Status":1})";
  EXPECT_EQ(result("sr_get_status", {{"group", "clusterer"}, {"identifier", "node_states"}}), ready);
  EXPECT_EQ(result("sr_get_status", {{"group", "CLUSTERER"}, {"identifier", "Node_States"}}), ready);
  EXPECT_EQ(result("sr_get_status", {{"group", "clusterer"}, {"identifier", "ALL"}}),
            R"({"Readiness":true,"Status":1,"Details":"aggregated"})");
  EXPECT_EQ(n->call("sr_get_status", {{"group", "clusterer"}}), error_reply(404, "Identity not found"))
      << "no identifier means 'main'";
  EXPECT_EQ(n->call("sr_get_status", {{"group", "clusterer"}, {"identifier", "nope"}}),
            error_reply(404, "Identity not found"));
  EXPECT_EQ(result("sr_list_status", {{"group", "clusterer"}}),
            R"([{"Name":"sharing_tags","Readiness":true,"Status":1},{"Name":"node_states","Readiness":true,"Status":1}])");
  EXPECT_EQ(result("sr_list_status"),
            R"([{"Name":"clusterer","Identifiers":[{"Name":"sharing_tags","Readiness":true,"Status":1},{"Name":"node_states","Readiness":true,"Status":1}]}])");
  EXPECT_EQ(result("sr_list_identifiers", {{"group", "clusterer"}}),
            R"({"Group":"clusterer","Identifiers":["sharing_tags","node_states"]})");
  EXPECT_EQ(result("sr_list_identifiers"), R"([{"Group":"clusterer","Identifiers":["sharing_tags","node_states"]}])");
}

TEST_F(mi_core, NodeStatesReports) {
  const char* reports =
      R"([{"Timestamp":1795619215,"Date":"Wed Nov 25 15:06:55 2026","Log":"Node [2], cluster [1] is UP"},)"
      R"({"Timestamp":1795619215,"Date":"Wed Nov 25 15:06:55 2026","Log":"Node [3], cluster [1] is UP"}])";
  EXPECT_EQ(result("sr_list_reports", {{"group", "clusterer"}, {"identifier", "node_states"}}),
            reports);
  EXPECT_EQ(result("sr_list_reports", {{"group", "clusterer"}}),
            std::string(R"([{"Name":"sharing_tags","Reports":[]},{"Name":"node_states","Reports":)") + reports + "}]");
  EXPECT_EQ(result("sr_list_reports"), std::string(R"([{"Name":"clusterer","Identifiers":[{"Name":"sharing_tags","Reports":[]},{"Name":"node_states","Reports":)") +
                                           reports + "}]}]");
  EXPECT_EQ(n->call("sr_list_reports", {{"group", "clusterer"}, {"identifier", "nope"}}),
            error_reply(404, "Identifier not found"));
}

TEST_F(mi_core, UnknownGroup) {
  for (const char* cmd : {"sr_get_status", "sr_list_status", "sr_list_reports", "sr_list_identifiers"})
    EXPECT_EQ(n->call(cmd, {{"group", "nope"}}), error_reply(404, "Group not found")) << cmd;
  EXPECT_EQ(n->call("sr_get_status", {{"group", "nope"}, {"identifier", "node_states"}}),
            error_reply(404, "Group not found"));
  EXPECT_EQ(n->call("sr_list_reports", {{"group", "nope"}, {"identifier", "node_states"}}),
            error_reply(404, "Group not found"));
}

// The identifiers other layers will add, registered the same way: the
// captured replies come out exactly.
TEST_F(mi_core, MoreIdentifiersGiveTheCapturedShapes) {
  StatusReports& sr = n->registry.status_reports();
  // The real sharing_tags reads the engine; a stand-in gives the captured report.
  ASSERT_TRUE(sr.remove_identifier("clusterer", "sharing_tags"));
  ASSERT_TRUE(sr.add_identifier("clusterer", SrIdentifier{
      "sharing_tags", [](Context&) { return SrState{}; },
      [](Context&) {
        return std::vector<core::Report>{
            {1795619219, "TAG <other>, cluster 1, became active due to MI command"}};
      }}));
  ASSERT_TRUE(sr.add_identifier("clusterer", SrIdentifier{
      "cap:cachedb-local-repl", [](Context&) { return SrState{1, "synced"}; },
      [](Context&) {
        return std::vector<core::Report>{
            {1795619214, "Sync request postponed! (no donor available)"},
            {1795619219, "Capability disabled via MI, revert to not synced state"},
            {1795619219, "Sync completed, received [0] chunks"}};
      }}));
  EXPECT_FALSE(sr.add_identifier("clusterer", node_states_identifier())) << "name taken";
  EXPECT_FALSE(sr.add_identifier("nope", node_states_identifier()));
  int compared = 0;
  for (const auto& c : captured_calls("opensips-3.6.8-mi-commands.txt")) {
    const bool sr_call = c.request.find("sr_list_status") != std::string::npos ||
                         c.request.find("sr_list_identifiers") != std::string::npos ||
                         c.request.find(R"("sr_get_status")") != std::string::npos ||
                         c.request.find("sharing_tags") != std::string::npos ||
                         c.request.find("cap:") != std::string::npos;
    if (sr_call) {
      EXPECT_EQ(n->rpc(c.request), c.reply) << "capture line " << c.line_no;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 7);
  EXPECT_TRUE(sr.remove_identifier("CLUSTERER", "Sharing_Tags"));
  EXPECT_FALSE(sr.remove_identifier("clusterer", "sharing_tags"));
  EXPECT_EQ(result("sr_list_identifiers", {{"group", "clusterer"}}),
            R"({"Group":"clusterer","Identifiers":["cap:cachedb-local-repl","node_states"]})");
  // A not-ready identifier makes the aggregate not ready.
  sr.add_identifier("clusterer", SrIdentifier{"cap:x", [](Context&) { return SrState{-2, "sync pending"}; },
                                              [](Context&) { return std::vector<core::Report>{}; }});
  EXPECT_EQ(result("sr_get_status", {{"group", "clusterer"}, {"identifier", "all"}}),
            R"({"Readiness":false,"Status":-1,"Details":"aggregated"})");
  EXPECT_EQ(result("sr_get_status", {{"group", "clusterer"}, {"identifier", "cap:x"}}),
            R"({"Readiness":false,"Status":-2,"Details":"sync pending"})");
}

TEST_F(mi_core, GroupsListNewestFirst) {
  StatusReports& sr = n->registry.status_reports();
  EXPECT_FALSE(sr.add_group("Clusterer"));
  EXPECT_TRUE(sr.add_group("dialog"));
  EXPECT_EQ(result("sr_list_identifiers"),
            R"([{"Group":"dialog","Identifiers":[]},{"Group":"clusterer","Identifiers":["sharing_tags","node_states"]}])");
}

TEST(mi_ctime, MatchesCtimeInTheLocalZone) {
  setenv("TZ", "UTC", 1);
  tzset();
  EXPECT_EQ(ctime_text(1795619215), "Wed Nov 25 15:06:55 2026");
  EXPECT_EQ(ctime_text(1656966903), "Mon Jul  4 20:35:03 2022") << "day padded with a space";
  EXPECT_EQ(ctime_text(0), "Thu Jan  1 00:00:00 1970");
  setenv("TZ", "Europe/Bucharest", 1);
  tzset();
  EXPECT_EQ(ctime_text(1656966903), "Mon Jul  4 23:35:03 2022");
  setenv("TZ", "UTC", 1);
  tzset();
}

}  // namespace
}  // namespace lc::mi::test
