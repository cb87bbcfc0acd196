// The generated completion scripts of nodectl: bash's completion function is
// called as bash would (COMP_WORDS, COMP_CWORD, COMP_LINE, COMP_POINT) and its
// COMPREPLY checked; zsh's with `words` and `CURRENT` set as compsys sets
// them and compadd/_describe/_files standing in for compsys's; fish's
// through `complete -C`, as fish itself asks.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "node_process.h"
#include "polling.h"
#include "process.h"
#include "shell.h"

namespace {

using lc::test::quote;
using lc::test::run;

const std::string kDir = LC_COMPLETIONS_DIR;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    auto end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

// Completes the last of `words` (nodectl's arguments) the way bash does on
// TAB, with the built nodectl as the command word so that live values come
// from it. `prefix` runs first (e.g. a cd).
std::vector<std::string> complete_bash(const std::vector<std::string>& words,
                                       const std::string& prefix = "") {
  std::string args = quote(LC_NODECTL_BIN);
  for (const auto& w : words) args += " " + quote(w);
  const std::string script =
      prefix + "source " + quote(kDir + "/nodectl.bash") +
      " && COMP_WORDS=(\"$@\") && COMP_CWORD=$((${#COMP_WORDS[@]} - 1))"
      " && COMP_LINE=\"${COMP_WORDS[*]}\" && COMP_POINT=${#COMP_LINE}"
      " && { _nodectl; printf '%s\\n' \"${COMPREPLY[@]}\"; }";
  auto out = lines(run("bash -c " + quote(script) + " nodectl " + args));
  out.erase(std::remove(out.begin(), out.end(), ""), out.end());
  std::sort(out.begin(), out.end());
  return out;
}

// The same through the zsh script: each candidate a line, those offered with
// a description as "word:description", files as "@files".
std::vector<std::string> complete_zsh(const std::vector<std::string>& words) {
  std::string args = quote(LC_NODECTL_BIN);
  for (const auto& w : words) args += " " + quote(w);
  const std::string stubs =
      "compadd() { while (( $# )); do case $1 in"
      " -a) print -l -- ${(P)2}; return;; --) shift; print -l -- \"$@\"; return;;"
      " -*) shift;; *) print -l -- \"$@\"; return;; esac; done; };"
      " _describe() { print -l -- ${(P)4}; };"
      " _files() { print -- @files; };";
  const std::string script = stubs + " words=(\"$@\"); CURRENT=$#words; source " +
                             quote(kDir + "/_nodectl");
  auto out = lines(run("zsh -f -c " + quote(script) + " nodectl " + args));
  out.erase(std::remove(out.begin(), out.end(), ""), out.end());
  std::sort(out.begin(), out.end());
  return out;
}

// The same through fish's own completion (`complete -C`): "word\tdescription"
// where there is a description. The built nodectl is first in PATH: the
// line's own command word gives the live values.
std::vector<std::string> complete_fish(const std::string& line) {
  const std::string script = kDir + "/nodectl.fish";
  const std::string bin_dir = std::filesystem::path(LC_NODECTL_BIN).parent_path().string();
  auto out = lines(run("PATH=" + quote(bin_dir) + ":\"$PATH\" fish -c " +
                       quote("source " + quote(script) + "; complete -C " + quote(line))));
  std::sort(out.begin(), out.end());
  return out;
}

// The words without their descriptions.
std::vector<std::string> words_of(std::vector<std::string> candidates, char separator) {
  for (auto& c : candidates) c = c.substr(0, c.find(separator));
  std::sort(candidates.begin(), candidates.end());
  return candidates;
}

bool has(const std::vector<std::string>& v, const std::string& word) {
  return std::find(v.begin(), v.end(), word) != v.end();
}

bool installed(const std::string& program) {
  return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0;
}

TEST(CompletionBash, SubcommandsAtFirstPosition) {
  auto c = complete_bash({""});
  for (const char* w : {"list", "ls", "set_status", "set_cap_status", "reload", "mi", "db", "kv",
                        "shtag", "completion"})
    EXPECT_TRUE(has(c, w)) << w;
  EXPECT_FALSE(has(c, "completion-values"));  // hidden
}

TEST(CompletionBash, PrefixFiltersSubcommands) {
  auto c = complete_bash({"list_t"});
  EXPECT_EQ(c, std::vector<std::string>({"list_topology"}));
}

TEST(CompletionBash, OutputChoices) {
  EXPECT_EQ(complete_bash({"-o", ""}), std::vector<std::string>({"json", "table"}));
  EXPECT_EQ(complete_bash({"--output", "j"}), std::vector<std::string>({"json"}));
  EXPECT_EQ(complete_bash({"db", "list", "-o", ""}), std::vector<std::string>({"json", "table"}));
}

TEST(CompletionBash, RootOptions) {
  auto c = complete_bash({"--"});
  for (const char* w : {"--socket", "--url", "--output", "--timeout", "--help", "--version"})
    EXPECT_TRUE(has(c, w)) << w;
}

TEST(CompletionBash, StatusValuesFromTheRegistry) {
  // set_status CLUSTER_ID [NODE_ID] STATUS: the second word is a node id or
  // the status, the third the status; the node is down, so no live ids.
  EXPECT_EQ(complete_bash({"set_status", "1", ""}), std::vector<std::string>({"0", "1"}));
  EXPECT_EQ(complete_bash({"-s", "/nonexistent", "set_status", "1", "2", ""}),
            std::vector<std::string>({"0", "1"}));
  EXPECT_EQ(complete_bash({"set_cap_status", "1", "dialog-dlg-repl", ""}),
            std::vector<std::string>({"0", "1"}));
  EXPECT_EQ(complete_bash({"check_addr", "1", "10.0.0.1", ""}),
            std::vector<std::string>({"bin", "sip"}));
}

TEST(CompletionBash, LiveValuesSilentlySkippedWhenTheNodeIsDown) {
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(complete_bash({"-s", "/nonexistent.sock", "set_status", ""}).empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(CompletionBash, AliasesAndNestedSubcommands) {
  EXPECT_EQ(complete_bash({"db", ""}),
            std::vector<std::string>({"add", "list", "migrate", "remove", "update"}));
  EXPECT_EQ(complete_bash({"kv", ""}), std::vector<std::string>({"del", "get", "list", "put"}));
  EXPECT_TRUE(has(complete_bash({"ls", "--h"}), "--help"));  // alias of list
}

TEST(CompletionBash, MiMethodsAndShells) {
  auto c = complete_bash({"mi", "clusterer_li"});
  EXPECT_TRUE(has(c, "clusterer_list"));
  EXPECT_TRUE(has(c, "clusterer_list_cap"));
  EXPECT_EQ(complete_bash({"completion", ""}), std::vector<std::string>({"bash", "fish", "zsh"}));
}

TEST(CompletionBash, FilesForTheSocket) {
  auto dir = std::filesystem::temp_directory_path() / ("lc_completion_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "node1.sock") << "";
  std::ofstream(dir / "other") << "";
  auto c = complete_bash({"-s", "no"}, "cd " + quote(dir.string()) + " && ");
  EXPECT_EQ(c, std::vector<std::string>({"node1.sock"}));
  std::filesystem::remove_all(dir);
}

// Live values from a running node: db_mode 0, cluster 1, a static neighbour
// node 2, sharing tag vip/1.
class CompletionLive : public testing::Test {
 protected:
  void SetUp() override {
    lc::itest::StaticNode spec;
    spec.port = lc::test::free_port();
    spec.peers = {{2, lc::test::free_port()}};
    auto flags = lc::itest::static_node_flags(spec);
    for (const char* f : {"--sharing_tag", "vip/1=active"}) flags.push_back(f);
    node_ = std::make_unique<lc::itest::NodeProcess>(dir_.path(), 1, flags);
    ASSERT_TRUE(lc::test::wait_for([&] { return node_->ctl({"list"}).exit_code == 0; },
                                   std::chrono::seconds(5)))
        << node_->log();
  }

  lc::itest::TempDir dir_;
  std::unique_ptr<lc::itest::NodeProcess> node_;
};

TEST_F(CompletionLive, ClusterAndNodeIdsAndTagsFromTheNode) {
  // More than the 1 s default, for a loaded test machine.
  ::setenv("NODECTL_COMPLETION_TIMEOUT", "10", 1);
  const std::string sock = node_->socket();
  EXPECT_EQ(complete_bash({"-s", sock, "set_status", ""}), std::vector<std::string>({"1"}));
  EXPECT_EQ(complete_bash({"-s", sock, "set_status", "1", ""}),
            std::vector<std::string>({"0", "1", "2"}));
  EXPECT_EQ(complete_bash({"--socket", sock, "shtag_set_active", ""}),
            std::vector<std::string>({"vip/1"}));
  EXPECT_EQ(complete_bash({"-s", sock, "shtag", "get", "v"}), std::vector<std::string>({"vip/1"}));
  ::unsetenv("NODECTL_COMPLETION_TIMEOUT");
}

TEST_F(CompletionLive, NodeIdsAndTagsOfTheClusterTyped) {
  ::setenv("NODECTL_COMPLETION_TIMEOUT", "10", 1);
  const std::string sock = node_->socket();
  const auto ctl = [&](const std::vector<std::string>& args) { return node_->ctl(args).out; };
  EXPECT_EQ(ctl({"completion-values", "nodes", "1"}), "2\n");  // the others
  EXPECT_EQ(ctl({"completion-values", "nodes", "7"}), "");
  EXPECT_EQ(ctl({"completion-values", "tags", "7"}), "");
  EXPECT_EQ(ctl({"completion-values", "clusters", "7"}), "1\n");  // no narrowing of clusters
  // set_status 7 (a cluster the node is not in): only the status values.
  EXPECT_EQ(complete_bash({"-s", sock, "set_status", "7", ""}), std::vector<std::string>({"0", "1"}));
  if (installed("zsh")) {
    EXPECT_EQ(complete_zsh({"-s", sock, "set_status", "1", ""}),
              std::vector<std::string>({"0", "1", "2"}));
    EXPECT_EQ(complete_zsh({"-s", sock, "set_status", "7", ""}), std::vector<std::string>({"0", "1"}));
  }
  if (installed("fish")) {
    EXPECT_EQ(complete_fish("nodectl -s " + sock + " set_status 1 "),
              std::vector<std::string>({"0", "1", "2"}));
    EXPECT_EQ(complete_fish("nodectl -s " + sock + " set_status 7 "),
              std::vector<std::string>({"0", "1"}));
  }
  ::unsetenv("NODECTL_COMPLETION_TIMEOUT");
}

TEST(CompletionZsh, LoadsWithoutSyntaxErrors) {
  if (!installed("zsh")) GTEST_SKIP() << "zsh is not installed";
  EXPECT_EQ(std::system(("zsh -n " + quote(kDir + "/_nodectl")).c_str()), 0);
}

TEST(CompletionZsh, SubcommandsOptionsAndValues) {
  if (!installed("zsh")) GTEST_SKIP() << "zsh is not installed";
  const auto subs = complete_zsh({""});
  EXPECT_TRUE(has(words_of(subs, ':'), "list_topology"));
  EXPECT_FALSE(has(words_of(subs, ':'), "completion-values"));  // hidden
  EXPECT_TRUE(has(subs, "ls:alias of list"));
  EXPECT_EQ(words_of(complete_zsh({"db", ""}), ':'),
            std::vector<std::string>({"add", "list", "migrate", "remove", "update"}));
  EXPECT_TRUE(has(complete_zsh({"--"}), "--socket:MI unix socket of the node"));
  EXPECT_EQ(complete_zsh({"-o", ""}), std::vector<std::string>({"json", "table"}));
  EXPECT_EQ(complete_zsh({"set_status", "1", "2", ""}), std::vector<std::string>({"0", "1"}));
  EXPECT_EQ(complete_zsh({"check_addr", "1", "10.0.0.1", ""}), std::vector<std::string>({"bin", "sip"}));
  EXPECT_EQ(complete_zsh({"-s", ""}), std::vector<std::string>({"@files"}));
}

TEST(CompletionFish, LoadsAndCompletes) {
  if (!installed("fish")) GTEST_SKIP() << "fish is not installed";
  const std::string script = kDir + "/nodectl.fish";
  EXPECT_EQ(std::system(("fish -n " + quote(script)).c_str()), 0);
  auto complete = [&](const std::string& line) { return words_of(complete_fish(line), '\t'); };
  auto c = complete("nodectl list_t");
  EXPECT_EQ(c, std::vector<std::string>({"list_topology"}));
  EXPECT_EQ(complete("nodectl -o "), std::vector<std::string>({"json", "table"}));
  EXPECT_EQ(complete("nodectl set_status 1 "), std::vector<std::string>({"0", "1"}));
  EXPECT_EQ(complete("nodectl db "),
            std::vector<std::string>({"add", "list", "migrate", "remove", "update"}));
  // Descriptions beside subcommands and options, quotes kept.
  EXPECT_TRUE(has(complete_fish("nodectl l"), "ls\talias of list"));
  EXPECT_TRUE(has(complete_fish("nodectl --so"), "--socket\tMI unix socket of the node"));
}

}  // namespace
