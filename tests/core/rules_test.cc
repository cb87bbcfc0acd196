// Small pure rules of the core: update validation and URL parsing.
#include <gtest/gtest.h>

#include "cluster.h"

namespace lc::core {
namespace {

TEST(rules, FirstUpdateIsAlwaysAccepted) {
  SeqStamp s;
  EXPECT_TRUE(accept_update(s, 5, 100));
  EXPECT_EQ(s.seq, 5);
}

TEST(rules, OlderOrEqualSeqIsStale) {
  SeqStamp s{5, 100};
  EXPECT_FALSE(accept_update(s, 5, 100));
  EXPECT_FALSE(accept_update(s, 4, 100));
  EXPECT_FALSE(accept_update(s, 4, 99));
  EXPECT_TRUE(accept_update(s, 6, 100));
}

TEST(rules, NewerStampIsANewLifeWhateverTheSeq) {
  // A restarted originator counts from 0 again; a node relaying its news
  // may carry any seq of the new life, with a newer stamp.
  SeqStamp s{5, 100};
  EXPECT_TRUE(accept_update(s, 2, 101));
  EXPECT_EQ(s.seq, 2);
  EXPECT_TRUE(accept_update(s, -1, 102));
  EXPECT_FALSE(accept_update(s, 7, 101)) << "news of the previous life";
  EXPECT_TRUE(accept_update(s, 7, 0)) << "no stamp: the seq decides";
}

TEST(rules, RestartedOriginatorIsAcceptedThroughANewerSeqZero) {
  SeqStamp s{42, 100};
  EXPECT_TRUE(accept_update(s, 0, 101));
  EXPECT_EQ(s.seq, 0);
  // Seq 0 again is stale unless its timestamp is newer.
  EXPECT_FALSE(accept_update(s, 0, 101));
  EXPECT_TRUE(accept_update(s, 0, 102));
}

TEST(rules, OldSeqZeroStillTravellingIsStale) {
  // OpenSIPS would accept it (stored seq is not 0) and roll back to 0.
  SeqStamp s{42, 100};
  EXPECT_FALSE(accept_update(s, 0, 100));
  EXPECT_FALSE(accept_update(s, 0, 90));
  EXPECT_EQ(s.seq, 42);
}

TEST(rules, UrlHost) {
  EXPECT_EQ(url_host("bin:127.0.0.1:5000"), "127.0.0.1");
  EXPECT_EQ(url_host("bins:10.0.0.1:5556"), "10.0.0.1");
  EXPECT_EQ(url_host("10.0.0.1:5555"), "10.0.0.1");
  EXPECT_EQ(url_host("bin:[::1]:5000"), "::1");
  EXPECT_EQ(url_host("bin:host.example:5000"), "host.example");
  EXPECT_EQ(url_host("bin:10.0.0.1"), "10.0.0.1");
  EXPECT_FALSE(url_host("udp:10.0.0.1:5060"));
  EXPECT_FALSE(url_host("bin:10.0.0.1:99999"));
  EXPECT_FALSE(url_host("bin::5000"));
  EXPECT_FALSE(url_host("bin:[::1:5000"));
  EXPECT_FALSE(url_host(""));
}

}  // namespace
}  // namespace lc::core
