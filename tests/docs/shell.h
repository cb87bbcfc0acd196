// Running shell commands from the docs tests (completion scripts, groff).
#pragma once

#include <array>
#include <cstdio>
#include <string>

namespace lc::test {

// `s` as one single-quoted shell word.
inline std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The command's standard output (standard error goes to the test's log).
inline std::string run(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf{};
  while (auto n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  ::pclose(p);
  return out;
}

}  // namespace lc::test
