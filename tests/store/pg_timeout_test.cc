// PostgreSQL time limits (decision S12): a statement never blocks its caller
// without limit, whether the server is slow (statement_timeout) or stops
// answering after the connection is made (the answer deadline). PostgreSQL
// only: LC_TEST_POSTGRES_URL, which must be a 127.0.0.1 URL for the relay.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "connection.h"
#include "db_url.h"
#include "polling.h"
#include "proxy.h"
#include "store_test_util.h"

namespace lc::store {
namespace {

using namespace std::chrono_literals;

// The test server's URL with `param` added, or "" after skipping.
std::string postgres_url(const std::string& param = "") {
  const char* url = std::getenv("LC_TEST_POSTGRES_URL");
  if (!url || !*url) return "";
  std::string out = url;
  if (!param.empty()) out += (out.find('?') == std::string::npos ? "?" : "&") + param;
  return out;
}

#define LC_NEED_POSTGRES(url)                                                  \
  if ((url).empty()) {                                                          \
    if (test::postgres_required()) FAIL() << "LC_TEST_POSTGRES_URL is not set"; \
    GTEST_SKIP() << "LC_TEST_POSTGRES_URL is not set";                          \
  }

std::unique_ptr<detail::Connection> connect(const std::string& url) {
  auto parsed = detail::parse_db_url(url);
  EXPECT_TRUE(parsed) << parsed.error().message;
  if (!parsed) return nullptr;
  auto conn = detail::open_postgres(parsed->target, mask_password(url));
  EXPECT_TRUE(conn) << conn.error().message;
  return conn ? std::move(*conn) : nullptr;
}

std::string show(detail::Connection& c, const std::string& setting) {
  auto r = c.query("SHOW " + setting, {});
  if (!r || r->rows.empty()) return "(failed)";
  return r->rows[0][0].text;
}

TEST(StorePostgresLimits, SessionGetsTheDefaultLimits) {
  const std::string url = postgres_url();
  LC_NEED_POSTGRES(url);
  auto c = connect(url);
  ASSERT_TRUE(c);
  EXPECT_EQ(show(*c, "statement_timeout"), "10s");
}

TEST(StorePostgresLimits, SlowStatementFailsWithAClearError) {
  // The URL's own statement_timeout wins over the default.
  const std::string url = postgres_url("options=-cstatement_timeout%3D300");
  LC_NEED_POSTGRES(url);
  auto c = connect(url);
  ASSERT_TRUE(c);
  EXPECT_EQ(show(*c, "statement_timeout"), "300ms");
  auto slow = c->query("SELECT pg_sleep(3)", {});
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().code, ErrorCode::kQuery);
  EXPECT_NE(slow.error().message.find("canceling statement due to statement timeout"),
            std::string::npos) << slow.error().message;
  EXPECT_NE(slow.error().message.find("statement_timeout, decision S12"), std::string::npos)
      << slow.error().message;
  EXPECT_EQ(slow.error().message.find('\n'), std::string::npos) << slow.error().message;
  // The connection is still usable.
  auto next = c->query("SELECT 1", {});
  EXPECT_TRUE(next) << next.error().message;
}

// A relay that stops forwarding after the connection is made: the server's
// statement_timeout cannot help (its answer never arrives), the answer
// deadline does, and the next statement reconnects.
TEST(StorePostgresLimits, SilentServerHitsTheAnswerDeadlineThenReconnects) {
  std::string url = postgres_url("options=-cstatement_timeout%3D300");
  LC_NEED_POSTGRES(url);
  const std::string host = "@127.0.0.1:";
  const auto at = url.find(host);
  ASSERT_NE(at, std::string::npos) << "expects a 127.0.0.1 URL";
  const auto port_begin = at + host.size();
  const auto port_end = url.find('/', port_begin);
  const auto pg_port = static_cast<uint16_t>(std::stoi(url.substr(port_begin, port_end - port_begin)));
  const uint16_t relay_port = lc::test::free_port();
  itest::Proxy relay(relay_port, pg_port);
  url = url.substr(0, port_begin) + std::to_string(relay_port) + url.substr(port_end);

  auto c = connect(url);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->query("SELECT 1", {}));
  relay.clog();
  const auto start = std::chrono::steady_clock::now();
  auto stuck = c->query("SELECT 1", {});
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(stuck);
  EXPECT_EQ(stuck.error().code, ErrorCode::kConnect);
  EXPECT_NE(stuck.error().message.find("no answer from the server within 5300 ms"),
            std::string::npos) << stuck.error().message;
  EXPECT_GE(took, 5s);
  EXPECT_LT(took, 30s);  // bounded: without the deadline this never returns

  relay.heal();
  auto again = c->query("SELECT 1", {});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(show(*c, "statement_timeout"), "300ms");  // the session set up again
}

}  // namespace
}  // namespace lc::store
