// The generated man pages: groff (and mandoc, when installed) render them
// without warnings, and each mentions everything its declarations hold:
// every MI command's subcommand in nodectl(1), every configuration key in
// clusterd.toml(5) and as an option in clusterd(8), every route of the
// gateway's OpenAPI document in cluster-gateway(8).
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "libcluster/mi/registry.h"
#include "node/config_cli.h"
#include "shell.h"

namespace {

using lc::test::run;

const std::string kDir = LC_MAN_DIR;

// The page as plain text: no hyphenation, long lines, no overstriking, so
// that every name is found whole.
std::string text_of(const std::string& page) {
  return run("groff -man -Tascii -rHY=0 -rLL=400n -P-cbou " + kDir + "/" + page + " 2>/dev/null");
}

bool mentions(const std::string& text, const std::string& word) {
  return text.find(word) != std::string::npos;
}

// A line (a tagged paragraph's tag) that starts with `word` as a whole word.
bool has_line_starting(const std::string& text, const std::string& word) {
  std::size_t at = 0;
  while ((at = text.find(word, at)) != std::string::npos) {
    const auto line_start = text.rfind('\n', at);
    const auto before = text.substr(line_start == std::string::npos ? 0 : line_start + 1,
                                    at - (line_start == std::string::npos ? 0 : line_start + 1));
    const char after = at + word.size() < text.size() ? text[at + word.size()] : '\n';
    if (before.find_first_not_of(' ') == std::string::npos && (after == ' ' || after == '\n'))
      return true;
    at += word.size();
  }
  return false;
}

class ManPage : public testing::TestWithParam<std::string> {};

TEST_P(ManPage, GroffRendersItWithoutWarnings) {
  const std::string page = kDir + "/" + GetParam();
  EXPECT_EQ(run("groff -ww -man -Tutf8 " + page + " 2>&1 >/dev/null"), "");
}

TEST_P(ManPage, MandocLintFindsNothing) {
  if (std::system("command -v mandoc >/dev/null 2>&1") != 0) GTEST_SKIP() << "no mandoc";
  const std::string page = kDir + "/" + GetParam();
  EXPECT_EQ(run("mandoc -T lint -W warning " + page + " 2>&1"), "");
}

INSTANTIATE_TEST_SUITE_P(Pages, ManPage,
                         testing::Values("nodectl.1", "clusterd.8", "clusterd.toml.5",
                                         "cluster-gateway.8"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (auto& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

TEST(ManNodectl, MentionsEverySubcommandAndAlias) {
  const std::string text = text_of("nodectl.1");
  const auto registry = lc::mi::make_clusterer_registry();
  for (const auto& cmd : registry.commands()) {
    EXPECT_TRUE(has_line_starting(text, cmd.cli_name)) << cmd.cli_name;
    EXPECT_TRUE(mentions(text, cmd.name)) << cmd.name;
    for (const auto& alias : cmd.cli_aliases) EXPECT_TRUE(mentions(text, "alias: " + alias)) << alias;
  }
  for (const char* hand_written : {"mi METHOD", "db migrate", "db add", "db update", "db remove",
                                   "db list", "kv put", "kv get", "kv del", "kv list", "shtag get",
                                   "completion SHELL"})
    EXPECT_TRUE(has_line_starting(text, hand_written)) << hand_written;
  for (const char* section : {"EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES", "--socket"})
    EXPECT_TRUE(mentions(text, section)) << section;
  EXPECT_FALSE(mentions(text, "completion-values"));  // hidden
  EXPECT_FALSE(mentions(text, "man-page"));
}

TEST(ManClusterd, MentionsEveryKeyAndItsDefault) {
  const std::string toml = text_of("clusterd.toml.5");
  const std::string daemon = text_of("clusterd.8");
  for (const auto& key : lc::node::detail::config_keys()) {
    const std::string name(key.name);
    EXPECT_TRUE(mentions(toml, name + " (")) << name;
    if (!key.default_value.empty()) {
      EXPECT_TRUE(mentions(toml, std::string(key.default_value))) << name;
    }
    EXPECT_TRUE(mentions(daemon, "--" + name)) << name;
  }
  for (const char* word : {"SIGTERM", "SIGHUP", "EXIT STATUS", "--config", "--check-config"})
    EXPECT_TRUE(mentions(daemon, word)) << word;
  EXPECT_FALSE(mentions(daemon, "--man-page"));
}

TEST(ManGateway, MentionsAuth) {
  const std::string text = text_of("cluster-gateway.8");
  for (const char* word : {"--token-file", "--print-openapi", "Authorization: Bearer", "write token"})
    EXPECT_TRUE(mentions(text, word)) << word;
  EXPECT_FALSE(mentions(text, "--man-page"));
}

// Every operation of the gateway's OpenAPI document (the same route table)
// has its entry in ROUTES, with each of its parameters.
TEST(ManGateway, MentionsEveryRouteAndParameter) {
  const std::string text = text_of("cluster-gateway.8");
  const auto doc = nlohmann::json::parse(run(std::string(LC_GATEWAY_BIN) + " --print-openapi"));
  int operations = 0;
  for (const auto& [path, item] : doc.at("paths").items())
    for (const auto& [method, op] : item.items()) {
      std::string upper = method;
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      EXPECT_TRUE(has_line_starting(text, upper + " " + path)) << upper << " " << path;
      for (const auto& p : op.value("parameters", nlohmann::json::array()))
        EXPECT_TRUE(mentions(text, p.at("name").get<std::string>())) << path << " " << p.at("name");
      ++operations;
    }
  EXPECT_GE(operations, 30);
}

}  // namespace
