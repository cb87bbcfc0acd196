// Runs the real nodectl binary (LC_NODECTL_BIN) to completion, capturing its
// exit status, stdout and stderr, with a controlled environment
// (tests/integration/process.h's run()).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "process.h"

namespace lc::nodectl_test {

using lc::itest::RunResult;

// `env`: variables to set (value) or remove (empty value) on top of ours.
inline RunResult run_nodectl(const std::vector<std::string>& args,
                             const std::map<std::string, std::string>& env = {},
                             std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  std::vector<std::string> argv = {LC_NODECTL_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return lc::itest::run(argv, limit, env);
}

}  // namespace lc::nodectl_test
