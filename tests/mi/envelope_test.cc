// The JSON-RPC 2.0 envelope (mi.md §1): request checks, id echo,
// notifications, recipe matching, parameter coercion, declaration checks.
#include <gtest/gtest.h>

#include <stdexcept>

#include "mi_test_util.h"

namespace lc::mi::test {
namespace {

std::unique_ptr<Node> two_node() {
  auto n = std::make_unique<Node>(core::test::capture_config(1),
                                  std::vector{core::test::cluster_of(1, 1, {2, 3})});
  n->h.tick(0);
  n->h.packet(10, pong(1, 2));
  return n;
}

constexpr const char* kInvalidRequestNullId =
    R"({"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null})";

TEST(mi_envelope, ParseErrorsAreAnsweredWithNullId) {
  auto n = two_node();
  const std::string parse_error =
      R"({"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null})";
  EXPECT_EQ(n->rpc(R"({"jsonrpc":"2.0","method":"clusterer_list","id":1)"), parse_error);
  EXPECT_EQ(n->rpc(""), parse_error);
  EXPECT_EQ(n->rpc("{\"jsonrpc\":\"2.0\",\"method\":\"clusterer_list\"} x"), parse_error);
  EXPECT_EQ(n->rpc("not json at all"), parse_error) << "even without an id";
}

TEST(mi_envelope, InvalidRequests) {
  auto n = two_node();
  const std::string with_id = error_reply(-32600, "Invalid Request");
  EXPECT_EQ(n->rpc(R"({"jsonrpc":"1.0","method":"clusterer_list","id":1})"), with_id);
  EXPECT_EQ(n->rpc(R"({"method":"clusterer_list","id":1})"), with_id);
  EXPECT_EQ(n->rpc(R"({"jsonrpc":2.0,"method":"clusterer_list","id":1})"), with_id);
  EXPECT_EQ(n->rpc(R"({"jsonrpc":"2.0","id":1})"), with_id);
  EXPECT_EQ(n->rpc(R"({"jsonrpc":"2.0","method":5,"id":1})"), with_id);
  EXPECT_EQ(n->rpc(R"({"jsonrpc":"2.0","method":"clusterer_list","params":"x","id":1})"), with_id);
  EXPECT_EQ(n->rpc(R"({"jsonrpc":"2.0","method":"clusterer_list","params":7,"id":1})"), with_id);
  // An id of another type cannot be echoed.
  EXPECT_EQ(n->rpc(R"({"jsonrpc":"2.0","method":"clusterer_list","id":true})"),
            kInvalidRequestNullId);
  EXPECT_EQ(n->rpc(R"({"jsonrpc":"2.0","method":"clusterer_list","id":[1]})"),
            kInvalidRequestNullId);
  EXPECT_EQ(n->rpc(R"([{"jsonrpc":"2.0","method":"clusterer_list","id":1}])"),
            kInvalidRequestNullId);
  EXPECT_EQ(n->rpc("5"), kInvalidRequestNullId);
  // Invalid notifications are answered too.
  EXPECT_EQ(n->rpc(R"({"jsonrpc":"1.0","method":"clusterer_list"})"), kInvalidRequestNullId);
}

TEST(mi_envelope, MethodNotFound) {
  auto n = two_node();
  EXPECT_EQ(n->rpc(R"({"jsonrpc":"2.0","method":"nope","id":1})"),
            error_reply(-32601, "Method not found"));
  EXPECT_EQ(n->rpc(R"({"jsonrpc":"2.0","method":"CLUSTERER_LIST","id":1})"),
            error_reply(-32601, "Method not found"))
      << "method names are case-sensitive";
  EXPECT_EQ(n->rpc(R"({"jsonrpc":"2.0","method":"nope"})"), "") << "a notification";
}

TEST(mi_envelope, IdEcho) {
  auto n = two_node();
  auto id_of = [&](std::string_view id) {
    const std::string body = std::string(R"({"jsonrpc":"2.0","method":"help","id":)") +
                             std::string(id) + "}";
    return Json::parse(n->rpc(body))["id"];
  };
  EXPECT_EQ(id_of(R"("abc")"), "abc");
  EXPECT_EQ(id_of("7.9"), 7);
  EXPECT_EQ(id_of("-7.9"), -7);
  EXPECT_EQ(id_of("1e12"), 2147483647) << "saturated like cJSON's valueint";
  EXPECT_EQ(id_of("-1e12"), -2147483647 - 1);
  EXPECT_TRUE(id_of("null").is_null()) << "a null id is a request, not a notification";
  EXPECT_EQ(n->rpc(R"({"jsonrpc":"2.0","method":"help","id":7.9})"),
            R"({"jsonrpc":"2.0","result":"Usage: help mi_cmd - returns information about 'mi_cmd'","id":7})");
}

TEST(mi_envelope, NotificationsRunButGetNoReply) {
  auto n = two_node();
  Reply r = n->reply(
      R"({"jsonrpc":"2.0","method":"clusterer_set_status","params":{"cluster_id":1,"node_id":2,"status":0}})");
  EXPECT_FALSE(r.response);
  EXPECT_EQ(n->h.link(1, 2), core::LinkState::kDown) << "the command still ran";
  // Failing notifications are silent as well, except -32700 and -32600.
  EXPECT_FALSE(n->reply(R"({"jsonrpc":"2.0","method":"clusterer_set_status","params":[1]})").response);
  EXPECT_FALSE(n->reply(R"({"jsonrpc":"2.0","method":"clusterer_set_status","params":[9,1]})").response);
}

TEST(mi_envelope, MemberOrderAndCompactOutput) {
  auto n = two_node();
  EXPECT_EQ(n->call("clusterer_set_status", {{"cluster_id", 1}, {"status", 1}}),
            R"({"jsonrpc":"2.0","result":"OK","id":1})");
  EXPECT_EQ(n->call("clusterer_set_status", {{"cluster_id", "x"}, {"status", 1}}),
            R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad type for parameter 'cluster_id'"},"id":1})");
}

TEST(mi_envelope, RecipeMatching) {
  auto n = two_node();
  const std::string too = R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Too few or too many parameters"},"id":1})";
  const std::string names = R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Named parameters do not match"},"id":1})";
  EXPECT_EQ(n->call("clusterer_set_status", {{"cluster_id", 1}}), too);
  EXPECT_EQ(n->call("clusterer_set_status", Json::array({1})), too);
  EXPECT_EQ(n->call("clusterer_set_status", Json::array({1, 2, 1, 1})), too);
  EXPECT_EQ(n->call("clusterer_list", Json::array({1})), too) << "params to a no-param command";
  EXPECT_EQ(n->call("clusterer_list", {{"x", 1}}), too);
  EXPECT_EQ(n->call("clusterer_set_status", {{"cluster_id", 1}, {"state", 1}}), names);
  EXPECT_EQ(n->call("clusterer_set_status", {{"cluster_id", 1}, {"node_id", 2}, {"stat", 1}}), names);
  // Empty params mean none.
  EXPECT_EQ(n->call("clusterer_reload", Json::array()),
            error_reply(400, "Non-DB mode"));
  EXPECT_EQ(n->call("clusterer_reload", Json::object()), error_reply(400, "Non-DB mode"));
  // Positional values are bound in recipe order.
  EXPECT_EQ(n->call("clusterer_set_status", Json::array({1, 2, 0})),
            R"({"jsonrpc":"2.0","result":"OK","id":1})");
  EXPECT_EQ(n->h.link(1, 2), core::LinkState::kDown);
}

Command test_command(std::string name, std::vector<std::vector<std::string>> recipes) {
  Command c;
  c.name = std::move(name);
  c.cli_name = c.name;
  for (const auto& r : recipes)
    for (const auto& p : r)
      if (!c.param(p)) c.params.push_back(Param{p, ParamType::kString, ""});
  c.recipes = std::move(recipes);
  c.handler = [](Call& call) -> Result {
    Json echo = Json::object();
    for (const auto& p : {"a", "b", "c"})
      if (call.params.has(p)) echo[p] = *call.params.get_string(p);
    return echo;
  };
  return c;
}

TEST(mi_envelope, AmbiguousAndNamedOnlyCommands) {
  auto n = two_node();
  Command amb = test_command("amb", {{"a", "b"}, {"a", "c"}});
  n->registry.add(amb);
  EXPECT_EQ(n->call("amb", Json::array({1, 2})),
            R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Ambiguous call, use named parameters instead"},"id":1})");
  EXPECT_EQ(n->call("amb", {{"a", 1}, {"c", 2}}),
            R"({"jsonrpc":"2.0","result":{"a":"1","c":"2"},"id":1})");
  Command named = test_command("named", {{"a"}});
  named.named_only = true;
  n->registry.add(named);
  EXPECT_EQ(n->call("named", Json::array({1})),
            R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Command only supports named parameters"},"id":1})");
  EXPECT_EQ(n->call("named", {{"a", "x"}}), R"({"jsonrpc":"2.0","result":{"a":"x"},"id":1})");
}

TEST(mi_envelope, HandlerFailureIsAServerError) {
  auto n = two_node();
  Command boom = test_command("boom", {{}});
  boom.handler = [](Call&) -> Result { throw std::runtime_error("x"); };
  n->registry.add(boom);
  EXPECT_EQ(n->call("boom"),
            R"({"jsonrpc":"2.0","error":{"code":-32000,"message":"Server error","data":"Command handler returned null"},"id":1})");
  // A handler asking for a parameter its recipe lacks.
  Command bad = test_command("bad", {{}});
  bad.handler = [](Call& c) -> Result {
    auto v = c.params.get_int("a");
    if (!v) return unexpected(v.error());
    return ok();
  };
  n->registry.add(bad);
  EXPECT_EQ(n->call("bad"),
            R"({"jsonrpc":"2.0","error":{"code":-32000,"message":"Server error","data":"Failed to handle parameter"},"id":1})");
}

TEST(mi_envelope, IntCoercion) {
  EXPECT_EQ(coerce_int(Json(3)), 3);
  EXPECT_EQ(coerce_int(Json(1.9)), 1);
  EXPECT_EQ(coerce_int(Json(-1.9)), -1);
  EXPECT_EQ(coerce_int(Json(1e12)), 2147483647);
  EXPECT_EQ(coerce_int(Json(4294967296u)), 2147483647);
  EXPECT_EQ(coerce_int(Json("12")), 12);
  EXPECT_EQ(coerce_int(Json("+12")), 12);
  EXPECT_EQ(coerce_int(Json("-12")), -12);
  EXPECT_EQ(coerce_int(Json("-2147483648")), -2147483647 - 1);
  EXPECT_EQ(coerce_int(Json("007")), 7);
  for (const char* bad : {"", "+", "-", " 1", "1 ", "1.5", "0x10", "1e3", "abc", "2147483648",
                          "99999999999999999999"})
    EXPECT_FALSE(coerce_int(Json(bad))) << '"' << bad << '"';
  EXPECT_FALSE(coerce_int(Json(true)));
  EXPECT_FALSE(coerce_int(Json(nullptr)));
  EXPECT_FALSE(coerce_int(Json::array({1})));
  EXPECT_FALSE(coerce_int(Json::object()));
}

TEST(mi_envelope, StringAndArrayCoercion) {
  EXPECT_EQ(coerce_string(Json("x")), "x");
  EXPECT_EQ(coerce_string(Json(5)), "5");
  EXPECT_EQ(coerce_string(Json(-5.7)), "-5");
  EXPECT_EQ(coerce_string(Json("")), "");
  EXPECT_FALSE(coerce_string(Json(false)));
  EXPECT_FALSE(coerce_string(Json::object()));
  auto ok_items = array_strings(Json::array({"a", 1, 2.5}), "p");
  ASSERT_TRUE(ok_items);
  EXPECT_EQ(*ok_items, (std::vector<std::string>{"a", "1", "2"}));
  auto bad = array_strings(Json::array({"a", Json::object()}), "p");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), invalid_params("Bad type for array item in parameter 'p'"));
}

TEST(mi_envelope, PositionalStringsAsOpensipsCliSendsThem) {
  auto n = two_node();
  EXPECT_EQ(n->call("clusterer_set_status", Json::array({"1", "2", "0"})),
            R"({"jsonrpc":"2.0","result":"OK","id":1})");
  EXPECT_EQ(n->call("clusterer_set_status", Json::array({"1", "two", "0"})),
            R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad type for parameter 'node_id'"},"id":1})");
}

TEST(mi_envelope, DeclarationsAreChecked) {
  Registry r = make_clusterer_registry();
  auto rejects = [&](Command c) { EXPECT_THROW(r.add(std::move(c)), std::logic_error); };
  rejects(test_command("which", {{}}));  // name taken
  Command undeclared = test_command("u1", {{"a"}});
  undeclared.params.clear();
  rejects(undeclared);
  Command unused = test_command("u2", {{}});
  unused.params.push_back(Param{"x", ParamType::kInt, ""});
  rejects(unused);
  Command order = test_command("u3", {{"a"}, {"a", "b"}});
  std::swap(order.params[0], order.params[1]);  // optional b before required a
  rejects(order);
  Command array = test_command("u4", {{"a", "b"}});
  array.params[0].type = ParamType::kArray;
  rejects(array);
  Command cli = test_command("u5", {{}});
  cli.cli_name = "list";  // clusterer_list's
  rejects(cli);
  Command alias = test_command("u6", {{}});
  alias.cli_aliases = {"ls"};
  rejects(alias);
  Command nohandler = test_command("u7", {{}});
  nohandler.handler = nullptr;
  rejects(nohandler);
  Command repeat = test_command("u8", {{"a", "a"}});
  rejects(repeat);
  EXPECT_NO_THROW(r.add(test_command("u9", {{}, {"a"}})));
}

TEST(mi_envelope, EveryDeclarationServesTheCli) {
  const Registry r = make_clusterer_registry();
  for (const auto& c : r.commands()) {
    SCOPED_TRACE(c.name);
    EXPECT_FALSE(c.help.empty());
    EXPECT_FALSE(c.module.empty());
    EXPECT_FALSE(c.cli_name.empty());
    bool optional_seen = false;
    for (const auto& p : c.params) {
      EXPECT_FALSE(p.help.empty()) << p.name;
      EXPECT_FALSE(optional_seen && !c.optional(p.name)) << p.name;
      optional_seen = optional_seen || c.optional(p.name);
    }
  }
  const Command* set = r.find("clusterer_set_status");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->cli_name, "set_status");
  ASSERT_EQ(set->params.size(), 3u);
  EXPECT_EQ(set->params[0].name, "cluster_id");
  EXPECT_EQ(set->params[1].name, "status");
  EXPECT_EQ(set->params[2].name, "node_id");
  EXPECT_FALSE(set->optional("cluster_id"));
  EXPECT_FALSE(set->optional("status"));
  EXPECT_TRUE(set->optional("node_id"));
  EXPECT_EQ(param_type_name(r.find("cluster_send_mi")->params.back().type), "array");
}

}  // namespace
}  // namespace lc::mi::test
