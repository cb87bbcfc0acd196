// Every configuration the node must refuse, and the message it gives: the
// key and the value are always named.
#include <gtest/gtest.h>

#include "config_test_util.h"

namespace lc::node::test {
namespace {

const std::vector<std::string> kBase = {"--my_node_id", "1",
                                        "--db_mode", "0",
                                        "--socket", "bin:127.0.0.1:5001"};
const std::string kLocal = "cluster_id=1,url=bin:127.0.0.1:5001";

std::string error_of(const std::vector<std::string>& more) {
  return parse_error(with(kBase, more));
}

TEST(config_errors, UnknownOptionsAndStrayValues) {
  EXPECT_EQ(parse_error({"--bogus", "1"}), "unknown option \"--bogus\"");
  EXPECT_EQ(error_of({"--socket", "bin:127.0.0.1:5002", "bin:127.0.0.1:5003"}),
            "unexpected argument \"bin:127.0.0.1:5003\" (give list keys once per value: "
            "--socket A --socket B)");
  EXPECT_NE(error_of({"--my_node_id", "2"}).find("--my_node_id"), std::string::npos);
  EXPECT_EQ(error_of({"--check-config", "--print-config"}),
            "--check-config excludes --print-config");
}

TEST(config_errors, LogFormat) {
  EXPECT_EQ(error_of({"--log_format", "xml"}), "invalid log_format \"xml\": expected text or json");
}

TEST(config_errors, MyNodeId) {
  EXPECT_EQ(parse_error({"--db_mode", "0",
                         "--socket", "bin:127.0.0.1:5001"}),
            "my_node_id is not set: every node needs an id >= 1 (--my_node_id N)");
  EXPECT_EQ(parse_error({"--my_node_id", "0"}), "invalid my_node_id \"0\": must be >= 1");
  EXPECT_EQ(parse_error({"--my_node_id", "-3"}), "invalid my_node_id \"-3\": must be >= 1");
  EXPECT_EQ(parse_error({"--my_node_id", "abc"}),
            "invalid my_node_id \"abc\": not a decimal integer");
  EXPECT_EQ(parse_error({"--my_node_id", "0x10"}),
            "invalid my_node_id \"0x10\": not a decimal integer");
  EXPECT_EQ(parse_error({"--my_node_id", "99999999999"}),
            "invalid my_node_id \"99999999999\": not a decimal integer");
  auto r = parse({"--my_node_id", "0"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().key, "my_node_id");
  EXPECT_EQ(r.error().value, "0");
}

TEST(config_errors, MalformedValues) {
  EXPECT_EQ(error_of({"--ping_interval", "4s"}),
            "invalid ping_interval \"4s\": not a decimal integer");
  EXPECT_EQ(error_of({"--sync_packet_size", "32k"}),
            "invalid sync_packet_size \"32k\": not a decimal integer");
  EXPECT_EQ(error_of({"--enable_stats", "maybe"}),
            "invalid enable_stats \"maybe\": expected an integer (0 off, any other value on) or "
            "true/false");
  EXPECT_EQ(
      error_of({"--log_level", "verbose"}),
      "invalid log_level \"verbose\": expected trace, debug, info, warn, error, critical or off");
  EXPECT_EQ(error_of({"--mi_http", "127.0.0.1"}),
            "invalid mi_http \"127.0.0.1\": missing port (expected IP:PORT)");
  EXPECT_EQ(
      error_of({"--mi_http", "localhost:80"}),
      "invalid mi_http \"localhost:80\": \"localhost\" is not an IP address (expected IP:PORT)");
  std::string long_path = "/" + std::string(120, 'x');
  EXPECT_NE(error_of({"--mi_socket", long_path}).find("invalid mi_socket \"" + long_path + "\""),
            std::string::npos);
}

TEST(config_errors, DbModeOneNeedsDbUrl) {
  EXPECT_EQ(parse_error({"--my_node_id", "1",
                         "--socket", "bin:127.0.0.1:5001"}),
            "db_url is not set: required when db_mode is 1 (use db_mode 0 to list the nodes in "
            "the configuration)");
  EXPECT_EQ(parse_error({"--my_node_id", "1",
                         "--db_url", "x",
                         "--db_table", ""}),
            "invalid db_table \"\": must not be empty");
}

TEST(config_errors, Sockets) {
  const std::pair<const char*, const char*> cases[] = {
      {"udp:1.2.3.4:5", "expected bin:IP:PORT"},
      {"bin:1.2.3.4", "missing port (expected bin:IP:PORT)"},
      {"bin:1.2.3.4:0", "bad port \"0\" (expected bin:IP:PORT)"},
      {"bin:1.2.3.4:70000", "bad port \"70000\" (expected bin:IP:PORT)"},
      {"bin:node1:5001", "\"node1\" is not an IP address (expected bin:IP:PORT)"},
      {"bin:::1:5001",
       "an IPv6 address must be written in brackets, e.g. [::1]:5001 (expected bin:IP:PORT)"},
      {"bin:[::1:5001", "missing ']' after the IPv6 address (expected bin:IP:PORT)"},
      {"bin:[1.2.3.4]:5001", "only IPv6 addresses are written in brackets (expected bin:IP:PORT)"},
      {"bins:1.2.3.4:5001", "bins (TLS) listeners are not supported, use bin:IP:PORT"},
  };
  for (auto [socket, problem] : cases)
    EXPECT_EQ(parse_error({"--my_node_id", "1", "--db_mode", "0", "--socket", socket}),
              "invalid socket \"" + std::string(socket) + "\": " + problem);
  EXPECT_EQ(parse_error({"--my_node_id", "1",
                         "--db_mode", "0"}),
            "socket is not set: at least one BIN listener is required (--socket bin:IP:PORT)");
  EXPECT_EQ(error_of({"--socket", "bin:127.0.0.1:5001"}),
            "invalid socket \"bin:127.0.0.1:5001\": listed twice");
}

TEST(config_errors, MalformedNodeInfo) {
  const std::pair<const char*, const char*> cases[] = {
      {"cluster_id,url=bin:127.0.0.1:5001", "expected '=' after cluster_id"},
      {"cluster_id=,url=bin:127.0.0.1:5001", "cluster_id value expected"},
      {"cluster_id=one,url=bin:127.0.0.1:5001",
       "bad value for cluster_id \"one\" (unsigned decimal integer expected)"},
      {"cluster_id=-1,url=bin:127.0.0.1:5001",
       "bad value for cluster_id \"-1\" (unsigned decimal integer expected)"},
      {"cluster_id=0x1,url=bin:127.0.0.1:5001",
       "bad value for cluster_id \"0x1\" (unsigned decimal integer expected)"},
      {"cluster_id=0,url=bin:127.0.0.1:5001", "cluster_id must be >= 1"},
      {"cluster_id=1", "at least cluster_id and url are required for the local node"},
      {"url=bin:127.0.0.1:5001", "at least cluster_id and url are required for the local node"},
      {"cluster_id=1,url=bin:127.0.0.1:5001,color=red",
       "unknown property \"color\" (accepted: cluster_id, node_id, url, priority, "
       "no_ping_retries, sip_addr, flags)"},
      {"cluster_id=1,url=bin:127.0.0.1:5001,cluster_id=2", "cluster_id is given twice"},
      {"cluster_id=1,url=bin:127.0.0.1:5001,priority=high",
       "bad value for priority \"high\" (unsigned decimal integer expected)"},
      {"cluster_id=1,url=udp:1.2.3.4:5",
       "bad url \"udp:1.2.3.4:5\": too many ':' (IPv6 goes in brackets; only bin: or bins: may "
       "come before HOST) (expected [bin:|bins:]HOST[:PORT])"},
      {"cluster_id=1,url=bin:1.2.3.4:x",
       "bad url \"bin:1.2.3.4:x\": bad port \"x\" (expected [bin:|bins:]HOST[:PORT])"},
      {"cluster_id=1,url=bin:[::1", "bad url \"bin:[::1\": missing ']' after the IPv6 address "
                                    "(expected [bin:|bins:]HOST[:PORT])"},
  };
  for (auto [spec, problem] : cases)
    EXPECT_EQ(error_of({"--my_node_info", spec}),
              "invalid my_node_info \"" + std::string(spec) + "\": " + problem);
  for (const char* refused : {"state=0", "description=x", "id=4"})
    EXPECT_NE(error_of({"--my_node_info", kLocal + "," + refused}).find("cannot be set here"),
              std::string::npos)
        << refused;
}

TEST(config_errors, LocalNodeInfoRules) {
  EXPECT_EQ(
      error_of({"--my_node_info", kLocal + ",node_id=2"}),
      "invalid my_node_info \"" + kLocal + ",node_id=2\": node_id 2 differs from my_node_id 1");
  EXPECT_EQ(error_of({"--my_node_info", "cluster_id=1,url=bin:127.0.0.1:5002"}),
            "invalid my_node_info \"cluster_id=1,url=bin:127.0.0.1:5002\": url "
            "bin:127.0.0.1:5002 is not one of the socket listeners (bin:127.0.0.1:5001)");
  EXPECT_EQ(error_of({"--my_node_info", "cluster_id=1,url=bin:localhost:5001"}),
            "invalid my_node_info \"cluster_id=1,url=bin:localhost:5001\": url host \"localhost\" "
            "must be the IP address of a socket listener");
  // Without a port the URL means 5555, which nobody listens on.
  EXPECT_NE(error_of({"--my_node_info", "cluster_id=1,url=127.0.0.1"})
                .find("is not one of the socket listeners"),
            std::string::npos);
  EXPECT_EQ(error_of({"--my_node_info", kLocal, "--my_node_info", kLocal}),
            "invalid my_node_info \"" + kLocal + "\": cluster 1 already has a my_node_info");
}

TEST(config_errors, NeighborNodeInfoRules) {
  const std::string n2 = "cluster_id=1,node_id=2,url=bin:127.0.0.1:5002";
  EXPECT_EQ(error_of({"--my_node_info", kLocal, "--neighbor_node_info",
                      "cluster_id=1,url=bin:1.2.3.4:5"}),
            "invalid neighbor_node_info \"cluster_id=1,url=bin:1.2.3.4:5\": at least cluster_id, "
            "node_id and url are required for a neighbor node");
  EXPECT_EQ(error_of({"--my_node_info", kLocal, "--neighbor_node_info",
                      "cluster_id=2,node_id=2,url=bin:1.2.3.4:5"}),
            "invalid neighbor_node_info \"cluster_id=2,node_id=2,url=bin:1.2.3.4:5\": cluster 2 "
            "has no my_node_info (the local node must be in the cluster)");
  EXPECT_EQ(
      error_of({"--my_node_info", kLocal, "--neighbor_node_info", n2, "--neighbor_node_info", n2}),
      "invalid neighbor_node_info \"" + n2 +
          "\": duplicate node id: node 2 of cluster 1 is already defined");
  EXPECT_EQ(error_of({"--my_node_info", kLocal, "--neighbor_node_info",
                      "cluster_id=1,node_id=1,url=bin:1.2.3.4:5"}),
            "invalid neighbor_node_info \"cluster_id=1,node_id=1,url=bin:1.2.3.4:5\": node 1 is "
            "the local node (my_node_id)");
  EXPECT_EQ(error_of({"--my_node_info", kLocal, "--neighbor_node_info",
                      "cluster_id=1,node_id=0,url=bin:1.2.3.4:5"}),
            "invalid neighbor_node_info \"cluster_id=1,node_id=0,url=bin:1.2.3.4:5\": node_id must "
            "be >= 1");
}

TEST(config_errors, SharingTags) {
  const std::pair<const char*, const char*> cases[] = {
      {"vip/1", "bad definition, expected name/cluster_id=active|backup"},
      {"vip/1=enabled", "bad state \"enabled\", allowed only active or backup"},
      {"vip/1=Active", "bad state \"Active\", allowed only active or backup"},  // case-sensitive
      {"vip/1=activex", "bad state \"activex\", allowed only active or backup"},
      {"vip1=active", "bad naming, name/cluster_id expected"},
      {"vip/one=active", "invalid cluster id \"one\""},
      {"vip/-1=active", "invalid cluster id \"-1\""},
      {"vip/=active", "invalid cluster id \"\""},
      {"/1=active", "empty tag name"},
  };
  for (auto [tag, problem] : cases)
    EXPECT_EQ(error_of({"--sharing_tag", tag}),
              "invalid sharing_tag \"" + std::string(tag) + "\": " + problem);
}

TEST(config_errors, ColumnNames) {
  EXPECT_EQ(error_of({"--url_col", ""}),
            "invalid url_col \"\": a column name must be non-empty, without ',', '=' or spaces");
  EXPECT_EQ(error_of({"--url_col", "a,b"}),
            "invalid url_col \"a,b\": a column name must be non-empty, without ',', '=' or spaces");
  EXPECT_EQ(error_of({"--url_col", "node_id"}),
            "invalid url_col \"node_id\": same name as node_id_col");
}

TEST(config_errors, EngineValidationIsApplied) {
  std::vector<std::string> args = with(kBase, {"--my_node_info", kLocal});
  for (int id = 2; id <= 129; ++id) {
    args.push_back("--neighbor_node_info");
    args.push_back("cluster_id=1,node_id=" + std::to_string(id) +
                   ",url=bin:10.0.0.1:" + std::to_string(5000 + id));
  }
  EXPECT_EQ(parse_error(args), "invalid cluster configuration: cluster 1: more than 128 nodes");
}

TEST(config_errors, ConfigFiles) {
  const std::pair<const char*, const char*> cases[] = {
      {"my_node_id = 1\nbogus = 2\n", "line 2: unknown key \"bogus\""},
      {"[node]\nmy_node_id = 1\n",
       "line 1: tables ([section]) are not supported: every key is top-level"},
      {"node.my_node_id = 1\n", "line 1: dotted keys are not supported: every key is top-level"},
      {"my_node_id = [1, 2]\n", "line 1: my_node_id takes one value, not an array"},
      {"db_url = \"abc\n", "line 1: db_url: unterminated string"},
      {"my_node_id = 1\n\nmy_node_id = 2\n", "line 3: key \"my_node_id\" is already set on line 1"},
      {"db_url = abc\n",
       "line 1: db_url: bad value abc (strings need quotes; numbers are decimal integers)"},
      {"ping_interval = 0x10\n",
       "line 1: ping_interval: bad value 0x10 (strings need quotes; numbers are decimal integers)"},
      {"socket = [\"a\" \"b\"]\n", "line 1: socket: expected ',' or ']' in the array"},
      {"socket = [\"a\",\n", "line 2: socket: unterminated array (missing ']')"},
      {"db_url = \"x\" y\n",
       "line 1: db_url: unexpected text after the value (one key = value per line)"},
      {"print-config = true\n", "line 1: unknown key \"print-config\""},
  };
  for (auto [content, problem] : cases) {
    TempFile file(content);
    auto r = parse({"--config", file.path()});
    ASSERT_FALSE(r.has_value()) << content;
    EXPECT_EQ(r.error().message, "config file \"" + file.path() + "\" " + problem);
    EXPECT_EQ(r.error().key, "config");
  }
  EXPECT_EQ(parse_error({"--config", "/nonexistent/clusterd.toml"}),
            "cannot read the config file \"/nonexistent/clusterd.toml\"");
}

TEST(config_errors, ValuesFromTheFileAreNamedToo) {
  TempFile file(
      "my_node_id = 1\ndb_mode = 0\nsocket = [\"bin:127.0.0.1:5001\"]\nping_timeout = \"1s\"\n");
  EXPECT_EQ(parse_error({"--config", file.path()}),
            "invalid ping_timeout \"1s\": not a decimal integer");
}

}  // namespace
}  // namespace lc::node::test
