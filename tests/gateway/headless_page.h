// A page held open in headless Chromium, driven over the DevTools protocol
// on a pipe (--remote-debugging-pipe: commands on the browser's fd 3,
// answers on its fd 4, each a JSON text ended by NUL). For checks that a
// live page changes by itself, which --dump-dom cannot show: its virtual
// time runs ahead of the real processes the page watches.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lc::itest {

// chromium's flags for a headless run in its own profile directory, shared
// by the --dump-dom / --screenshot runs and HeadlessPage.
std::vector<std::string> headless_argv(const std::string& chromium, const std::string& profile);

class HeadlessPage {
 public:
  // Starts `chromium` (profile and log in `dir`) and opens `url` in a tab;
  // ok() says whether the tab is there.
  HeadlessPage(const std::string& chromium, const std::string& dir, const std::string& url);
  ~HeadlessPage();  // kills the browser's process group
  HeadlessPage(const HeadlessPage&) = delete;
  HeadlessPage& operator=(const HeadlessPage&) = delete;

  bool ok() const { return !session_.empty(); }
  // The value of a JavaScript expression in the page; null if it threw or
  // no answer came within `limit`.
  nlohmann::json evaluate(const std::string& expression,
                          std::chrono::milliseconds limit = std::chrono::seconds(5));
  // Saves what the tab shows (1280x900) as a PNG at `path`; false when the
  // browser gave no image within `limit`.
  bool screenshot(const std::string& path,
                  std::chrono::milliseconds limit = std::chrono::seconds(10));

 private:
  // Sends one command (to the tab when `in_tab`) and waits at most `limit`
  // for its answer; null on timeout or a closed pipe.
  nlohmann::json call(const std::string& method, nlohmann::json params, bool in_tab,
                      std::chrono::milliseconds limit);
  bool read_some(std::chrono::steady_clock::time_point deadline);

  pid_t pid_ = -1;
  int to_browser_ = -1, from_browser_ = -1;
  int next_id_ = 1;
  std::string buffer_, session_;
};

}  // namespace lc::itest
