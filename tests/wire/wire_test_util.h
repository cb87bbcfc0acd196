// Helpers shared by the wire tests: hex conversion, the captured OpenSIPS
// packets and the fuzz seed corpus.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "libcluster/wire/messages.h"

namespace lc::wire::test {

// Parses hex digits, ignoring whitespace (so the spec's spaced dumps can be
// pasted as-is). Throws std::invalid_argument on anything else.
Bytes from_hex(std::string_view hex);
std::string to_hex(const Bytes& bytes);

// One line of captures/opensips-3.6.8-bin-packets.txt.
struct CapturedPacket {
  int line_no = 0;  // 1-based line in the file, for failure messages
  std::string scenario;
  std::string receiver;  // port, or "reply-on-<port>"
  std::string capability;
  int32_t type = 0;
  int16_t version = 0;
  std::size_t length = 0;
  Bytes bytes;
};

std::filesystem::path captures_path();
// All packets of the capture file, in file order. Throws if it is unreadable
// or a line is malformed, so a broken fixture fails loudly.
const std::vector<CapturedPacket>& captured_packets();

// Files of tests/fuzz/corpus, sorted by name.
std::vector<std::filesystem::path> corpus_files();
Bytes read_file(const std::filesystem::path& path);

}  // namespace lc::wire::test
