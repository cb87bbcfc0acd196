// `nodectl shtag get NAME/CLUSTER`: the state of a sharing tag, `active` or
// `backup` on stdout, the equivalent of reading $cluster.sh_tag in an
// OpenSIPS script; `shtag_set_active` is the writer. Unlike the script
// variable it never creates the tag: an unknown tag is an error (exit 1).
// It calls our MI command clusterer_shtag_get; `-o json` prints its result.
#pragma once

#include <memory>
#include <string>

#include "client.h"

namespace CLI {
class App;
}

namespace lc::nodectl {

class ShtagCommand {
 public:
  // Adds the `shtag` subcommand group to `app`.
  explicit ShtagCommand(CLI::App& app);
  ~ShtagCommand();
  ShtagCommand(const ShtagCommand&) = delete;
  ShtagCommand& operator=(const ShtagCommand&) = delete;

  // After parsing: was `shtag ...` on the command line?
  bool parsed() const;
  // Runs it against the node; `output` is nodectl's -o value ("json" prints
  // the MI result, anything else the bare state). Returns the exit status:
  // 0, 1 for an MI error (unknown tag, bad tag), 2 for transport errors.
  int run(const Target& target, const std::string& output);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace lc::nodectl
