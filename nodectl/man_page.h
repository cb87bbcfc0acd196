// `nodectl man-page commands|options` (hidden): the generated parts of
// nodectl(1), in roff, from nodectl's own CLI11 app and the MI command
// registry; man/CMakeLists.txt merges them into man/nodectl.1.in.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "libcluster/mi/registry.h"

namespace lc::nodectl {

// Every visible subcommand: usage, aliases, help, MI parameters, options.
std::string man_commands(const CLI::App& app, const mi::Registry& registry);
// nodectl's own options.
std::string man_options(const CLI::App& app);

class ManPageCommand {
 public:
  explicit ManPageCommand(CLI::App& app);
  bool parsed() const { return sub_->parsed(); }
  int run(const CLI::App& app, const mi::Registry& registry) const;

 private:
  CLI::App* sub_ = nullptr;
  std::string part_;
};

}  // namespace lc::nodectl
