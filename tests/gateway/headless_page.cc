#include "headless_page.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

namespace lc::itest {

using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// In the child: the pipe ends onto fds 3 and 4 (moved above 4 first, so one
// dup2 cannot close the other), output to `log`, then chromium.
[[noreturn]] void exec_browser(int commands, int answers, const std::string& log,
                               const std::vector<std::string>& argv) {
  ::setpgid(0, 0);  // its helpers die with it: the destructor kills the group
  commands = ::fcntl(commands, F_DUPFD, 10);
  answers = ::fcntl(answers, F_DUPFD, 10);
  ::dup2(commands, 3);
  ::dup2(answers, 4);
  int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(out, 1);
  ::dup2(out, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

// RFC 4648 base64 (DevTools sends binary data so); stops at '=' or any
// other character outside the alphabet.
std::string base64_decode(const std::string& text) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (char c : text) {
    const auto v = kAlphabet.find(c);
    if (v == std::string_view::npos) break;
    bits = (bits << 6) | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> headless_argv(const std::string& chromium, const std::string& profile) {
  return {chromium,        "--headless",     "--no-sandbox",
          "--disable-gpu", "--no-first-run", "--user-data-dir=" + profile};
}

HeadlessPage::HeadlessPage(const std::string& chromium, const std::string& dir,
                           const std::string& url) {
  int commands[2], answers[2];
  if (::pipe2(commands, O_CLOEXEC) != 0) return;
  if (::pipe2(answers, O_CLOEXEC) != 0) {
    ::close(commands[0]);
    ::close(commands[1]);
    return;
  }
  std::vector<std::string> argv = headless_argv(chromium, dir + "/live-profile");
  argv.insert(argv.end(), {"--remote-debugging-pipe", "about:blank"});
  pid_ = ::fork();
  if (pid_ == 0) exec_browser(commands[0], answers[1], dir + "/chromium.log", argv);
  ::close(commands[0]);
  ::close(answers[1]);
  to_browser_ = commands[1];
  from_browser_ = answers[0];
  if (pid_ < 0) return;
  ::signal(SIGPIPE, SIG_IGN);  // a browser that died must not kill the test
  Json target = call("Target.createTarget", {{"url", url}}, false, 20s);
  if (!target.contains("targetId")) return;
  Json attached = call("Target.attachToTarget",
                       {{"targetId", target["targetId"]}, {"flatten", true}}, false, 5s);
  session_ = attached.value("sessionId", "");
}

HeadlessPage::~HeadlessPage() {
  if (to_browser_ >= 0) ::close(to_browser_);
  if (from_browser_ >= 0) ::close(from_browser_);
  if (pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

Json HeadlessPage::evaluate(const std::string& expression, std::chrono::milliseconds limit) {
  Json r =
      call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}}, true, limit);
  if (r.is_null() || r.contains("exceptionDetails")) return Json();
  return r["result"].value("value", Json());
}

bool HeadlessPage::screenshot(const std::string& path, std::chrono::milliseconds limit) {
  call("Emulation.setDeviceMetricsOverride",
       {{"width", 1280}, {"height", 900}, {"deviceScaleFactor", 1}, {"mobile", false}}, true,
       limit);
  Json r = call("Page.captureScreenshot", {{"format", "png"}}, true, limit);
  if (!r.contains("data") || !r["data"].is_string()) return false;
  const std::string png = base64_decode(r["data"].get<std::string>());
  std::ofstream(path, std::ios::binary) << png;
  return !png.empty();
}

Json HeadlessPage::call(const std::string& method, Json params, bool in_tab,
                        std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  const int id = next_id_++;
  Json command{{"id", id}, {"method", method}, {"params", std::move(params)}};
  if (in_tab) command["sessionId"] = session_;
  const std::string text = command.dump() + '\0';
  if (::write(to_browser_, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return Json();
  for (;;) {
    // Every message up to a NUL; events and other answers are skipped.
    for (auto end = buffer_.find('\0'); end != std::string::npos; end = buffer_.find('\0')) {
      Json message = Json::parse(buffer_.substr(0, end), nullptr, false);
      buffer_.erase(0, end + 1);
      if (message.is_object() && message.value("id", 0) == id)
        return message.value("result", Json());
    }
    if (!read_some(deadline)) return Json();
  }
}

bool HeadlessPage::read_some(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left <= 0ms) return false;
  pollfd p{from_browser_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char chunk[65536];
  const ssize_t n = ::read(from_browser_, chunk, sizeof chunk);
  if (n <= 0) return false;
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

}  // namespace lc::itest
