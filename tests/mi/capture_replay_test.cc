// Replays every node-1 call of the captured OpenSIPS 3.6.8 MI session
// (captures/opensips-3.6.8-mi-commands.txt) in order against our node in
// the same state, and compares the replies byte for byte.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "mi_test_util.h"

namespace lc::mi::test {
namespace {

// Calls about capabilities, sharing tags and cachedb belong to layers
// built elsewhere; their replies are checked where those layers live (the
// status/report ones with stand-in identifiers in core_commands_test.cc).
bool other_layer(const CapturedCall& c) {
  for (const char* s : {"_cap", "cap:", "shtag", "sharing_tags", "cache_", "sr_list_status",
                        "sr_list_identifiers"})
    if (c.request.find(s) != std::string::npos) return true;
  return false;
}

// "4 s after kill -9 of node 3": node 3 stops answering, its link goes
// Down, then node 2 reports its own link with 3 Down (unix 1795619220).
void kill_node3(Node& n) {
  keep_only_node2_alive(n, 200, 4900);
  ASSERT_EQ(n.h.link(1, 3), core::LinkState::kDown);
  n.h.packet(5000, ls_update(1, 2, 1, 3, false));
  n.ctx.now_ms = 5100;
}

class mi_capture : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC", 1);  // the captures were taken on a UTC host
    tzset();
  }
};

TEST_F(mi_capture, Node1SessionRepliesAreByteExact) {
  auto n = node1_of_capture();
  bool killed = false;
  int compared = 0;
  for (const auto& c : captured_calls("opensips-3.6.8-mi-commands.txt")) {
    if (!c.comment.starts_with("node 1") || other_layer(c)) continue;
    const bool after_kill = c.comment.find("kill -9") != std::string::npos ||
                            c.comment.find("node 3 died") != std::string::npos;
    if (after_kill && !killed) {
      kill_node3(*n);
      killed = true;
    }
    EXPECT_EQ(n->rpc(c.request), c.reply) << "capture line " << c.line_no << " (" << c.comment
                                          << "): " << c.request;
    ++compared;
  }
  EXPECT_TRUE(killed);
  EXPECT_EQ(compared, 46);
}

}  // namespace
}  // namespace lc::mi::test
