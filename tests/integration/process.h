// Child processes for the integration tests: clusterd nodes and nodectl runs,
// each bounded in time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace lc::itest {

struct RunResult {
  int exit_code = -1;
  std::string out, err;
};

// Variables to set (a value) or remove (an empty value) in a child's
// environment, on top of the test's own.
using EnvChanges = std::map<std::string, std::string>;

// Runs a program to completion (killed after `limit`), capturing its output.
RunResult run(const std::vector<std::string>& argv,
              std::chrono::milliseconds limit = std::chrono::milliseconds(10000),
              const EnvChanges& env = {});

// A background process; killed (SIGKILL) by the destructor if still running.
class Process {
 public:
  explicit Process(std::vector<std::string> argv, std::string log_path);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void kill9();
  // SIGTERM, then waits up to `limit` for the exit; returns the exit status.
  int terminate(std::chrono::milliseconds limit = std::chrono::milliseconds(5000));

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

// A scratch directory removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace lc::itest
