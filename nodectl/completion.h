// `nodectl completion bash|zsh|fish`: the shell completion scripts, from the
// templates in completions/ and nodectl's own CLI11 app (the MI command
// registry gives the positional values), so that a new command completes
// without touching a script. `nodectl completion-values KIND [CLUSTER]`
// (hidden) prints the live values the scripts ask the node for, narrowed to
// the cluster already typed on the command line.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

#include "client.h"
#include "libcluster/mi/registry.h"

namespace lc::nodectl {

// The script for `shell` ("bash", "zsh" or "fish"); empty for another shell.
std::string completion_script(const CLI::App& app, const mi::Registry& registry,
                              std::string_view shell);

// The KIND values ("clusters", "nodes", "tags", "caps") of the node, one a
// line, those of cluster `cluster` only unless it is 0; returns false,
// printing nothing, when the node does not answer.
bool print_live_values(const Target& target, std::string_view kind, int cluster);

// The subcommands, wired into `app`.
class CompletionCommand {
 public:
  explicit CompletionCommand(CLI::App& app);
  bool parsed() const;
  // Prints the script or the values; the exit status.
  int run(const CLI::App& app, const mi::Registry& registry, const Target& target) const;

 private:
  CLI::App* script_ = nullptr;
  CLI::App* values_ = nullptr;
  std::string shell_;
  std::string kind_;
  int cluster_ = 0;  // 0: every cluster
};

}  // namespace lc::nodectl
