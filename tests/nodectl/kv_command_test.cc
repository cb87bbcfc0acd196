// `nodectl kv put|get|del|list` end to end: the real nodectl binary against
// a real clusterd (one node, cache not replicated, collections `default` and
// `sess`), started with the integration tests' node helper. Suite names
// start with "KvCommand" (`ctest -R KvCommand`).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "node_process.h"
#include "polling.h"
#include "process.h"

namespace lc::itest {
namespace {

using namespace std::chrono_literals;

std::string show(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

class KvCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StaticNode spec;
    spec.port = lc::test::free_port();
    auto flags = static_node_flags(spec);
    for (const char* f : {"--kv_collection", "default", "--kv_collection", "sess"}) flags.push_back(f);
    node_ = std::make_unique<NodeProcess>(dir_.path(), 1, flags);
    ASSERT_TRUE(lc::test::wait_for([&] { return node_->ctl({"list"}).exit_code == 0; }, 5s))
        << node_->log();
  }
  // nodectl -s SOCKET ARGS... (no -o: each test says what it wants).
  RunResult kv(std::vector<std::string> args) {
    std::vector<std::string> argv = {LC_NODECTL_BIN, "-s", node_->socket(), "kv"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }

  TempDir dir_;
  std::unique_ptr<NodeProcess> node_;
};

TEST_F(KvCommandTest, PutGetDelRoundTrip) {
  auto r = kv({"put", "user:1", "alice"});
  EXPECT_EQ(r.exit_code, 0) << show(r);
  EXPECT_EQ(r.out, "\"OK\"\n") << "JSON in a pipe, as every nodectl command";
  r = kv({"get", "user:1"});
  EXPECT_EQ(r.exit_code, 0) << show(r);
  EXPECT_EQ(r.out, "alice\n") << "bare, for $(nodectl kv get KEY)";
  r = kv({"get", "user:1", "-o", "json"});
  EXPECT_EQ(r.exit_code, 0) << show(r);
  EXPECT_EQ(Json::parse(r.out), Json::parse(R"({"key":"user:1","value":"alice"})"));
  r = kv({"put", "user:1", "bob", "--expires", "60"});
  EXPECT_EQ(r.exit_code, 0) << show(r);
  EXPECT_EQ(kv({"get", "user:1"}).out, "bob\n");

  r = kv({"del", "user:1", "-o", "table"});
  EXPECT_EQ(r.exit_code, 0) << show(r);
  EXPECT_EQ(r.out, "OK\n");
  r = kv({"get", "user:1"});
  EXPECT_EQ(r.exit_code, 1) << show(r);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("kv get user:1: not found"), std::string::npos) << r.err;
  r = kv({"del", "user:1"});
  EXPECT_EQ(r.exit_code, 0) << "removing an absent key is OK, as in OpenSIPS\n" << show(r);
}

TEST_F(KvCommandTest, TheGenericMiPathSeesTheSameCache) {
  ASSERT_EQ(node_->ctl({"mi", "cache_store", "local", "k", "from-mi"}).exit_code, 0);
  EXPECT_EQ(kv({"get", "k"}).out, "from-mi\n");
  ASSERT_EQ(kv({"put", "k2", "from-kv"}).exit_code, 0);
  auto r = node_->ctl({"mi", "cache_fetch", "local", "k2"});
  ASSERT_EQ(r.exit_code, 0) << show(r);
  EXPECT_EQ(Json::parse(r.out), Json::parse(R"({"key":"k2","value":"from-kv"})"));
}

TEST_F(KvCommandTest, CollectionsAndList) {
  ASSERT_EQ(kv({"put", "a1", "x", "--collection", "sess"}).exit_code, 0);
  ASSERT_EQ(kv({"put", "a2", "y", "-c", "sess"}).exit_code, 0);
  ASSERT_EQ(kv({"put", "b1", "z", "-c", "sess"}).exit_code, 0);
  ASSERT_EQ(kv({"put", "a1", "in-default"}).exit_code, 0);
  EXPECT_EQ(kv({"get", "a2"}).exit_code, 1) << "a2 is in sess only";
  EXPECT_EQ(kv({"get", "a2", "-c", "sess"}).out, "y\n");

  auto r = kv({"list", "-c", "sess", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << show(r);
  std::map<std::string, std::string> listed;
  const Json sess = Json::parse(r.out);
  for (const auto& k : sess["keys"]) listed[k["name"]] = k["value"];
  EXPECT_EQ(listed, (std::map<std::string, std::string>{{"a1", "x"}, {"a2", "y"}, {"b1", "z"}}));

  r = kv({"list", "-c", "sess", "--glob", "a*", "-o", "table"});
  ASSERT_EQ(r.exit_code, 0) << show(r);
  EXPECT_NE(r.out.find("KEY  VALUE\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("a1   x\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("a2   y\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("b1"), std::string::npos) << r.out;

  // nodectl's own -o, before the subcommand; the default collection.
  r = run({LC_NODECTL_BIN, "-s", node_->socket(), "-o", "json", "kv", "list"});
  ASSERT_EQ(r.exit_code, 0) << show(r);
  EXPECT_EQ(Json::parse(r.out)["keys"], Json::parse(R"([{"name":"a1","value":"in-default"}])"));
  r = kv({"list", "-g", "nothing*", "-o", "table"});
  EXPECT_EQ(r.exit_code, 0) << show(r);
  EXPECT_EQ(r.out, "KEY  VALUE\n");
}

TEST_F(KvCommandTest, UnknownCollectionIsAClearError) {
  auto r = kv({"put", "k", "v", "-c", "nope"});
  EXPECT_EQ(r.exit_code, 1) << show(r);
  EXPECT_NE(r.err.find("kv put k: error 500: Cache store command failed"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("is collection 'nope' defined on the node"), std::string::npos) << r.err;
  r = kv({"get", "k", "-c", "nope"});
  EXPECT_EQ(r.exit_code, 1) << show(r);
  r = kv({"list", "-c", "nope"});
  EXPECT_EQ(r.exit_code, 1) << show(r);
  EXPECT_NE(r.err.find("is collection 'nope' defined"), std::string::npos) << r.err;
}

TEST_F(KvCommandTest, NodeRefusalsExitOne) {
  auto r = kv({"put", "k", ""});
  EXPECT_EQ(r.exit_code, 1) << show(r);
  EXPECT_NE(r.err.find("Empty value"), std::string::npos) << r.err;
  r = kv({"get", ""});
  EXPECT_EQ(r.exit_code, 1) << show(r);
  EXPECT_NE(r.err.find("Empty attribute name"), std::string::npos) << r.err;
}

TEST_F(KvCommandTest, UsageAndConnectionErrorsExitTwo) {
  EXPECT_EQ(kv({}).exit_code, 2);
  EXPECT_EQ(kv({"put", "k"}).exit_code, 2);
  EXPECT_EQ(kv({"get"}).exit_code, 2);
  EXPECT_EQ(kv({"put", "k", "v", "--expires", "-1"}).exit_code, 2);
  EXPECT_EQ(kv({"put", "k", "v", "--expires", "soon"}).exit_code, 2);
  EXPECT_EQ(kv({"get", "k", "-c", ""}).exit_code, 2);
  EXPECT_EQ(kv({"list", "-o", "yaml"}).exit_code, 2);
  auto r = run({LC_NODECTL_BIN, "-s", dir_.path() + "/nonexistent.sock", "kv", "get", "k"});
  EXPECT_EQ(r.exit_code, 2) << show(r);
}

}  // namespace
}  // namespace lc::itest
