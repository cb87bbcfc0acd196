#include "wire_test_util.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

namespace lc::wire::test {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  throw std::invalid_argument(std::string("not a hex digit: ") + c);
}

CapturedPacket parse_capture_line(const std::string& line, int line_no) {
  std::istringstream in(line);
  CapturedPacket p;
  int type = 0, version = 0;
  std::string hex;
  p.line_no = line_no;
  if (!(in >> p.scenario >> p.receiver >> p.capability >> type >> version >> p.length >> hex))
    throw std::runtime_error("malformed capture line " + std::to_string(line_no));
  p.type = type;
  p.version = static_cast<int16_t>(version);
  p.bytes = from_hex(hex);
  return p;
}

std::vector<CapturedPacket> load_captures() {
  std::ifstream in(captures_path());
  if (!in) throw std::runtime_error("cannot open " + captures_path().string());
  std::vector<CapturedPacket> packets;
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    bool blank = std::all_of(line.begin(), line.end(), [](unsigned char c) { return std::isspace(c); });
    if (blank || line[0] == '#') continue;
    packets.push_back(parse_capture_line(line, line_no));
  }
  return packets;
}

}  // namespace

Bytes from_hex(std::string_view hex) {
  Bytes out;
  int high = -1;
  for (char c : hex) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    int d = hex_digit(c);
    if (high < 0) {
      high = d;
    } else {
      out.push_back(static_cast<uint8_t>(high << 4 | d));
      high = -1;
    }
  }
  if (high >= 0) throw std::invalid_argument("odd number of hex digits");
  return out;
}

std::string to_hex(const Bytes& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 0xF]);
  }
  return s;
}

std::filesystem::path captures_path() {
  return std::filesystem::path(LC_TEST_DATA_DIR) / "captures" / "opensips-3.6.8-bin-packets.txt";
}

const std::vector<CapturedPacket>& captured_packets() {
  static const std::vector<CapturedPacket> packets = load_captures();
  return packets;
}

std::vector<std::filesystem::path> corpus_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(LC_FUZZ_CORPUS_DIR))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace lc::wire::test
