#include "libcluster/kv/persist.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace lc::kv {

namespace {

constexpr std::string_view kMagic = "LCKVPERS";
constexpr uint32_t kVersion = 1;
// Bound of one key or value read from the file, and of the record count:
// a corrupt length cannot make us allocate without limit.
constexpr uint32_t kMaxFieldBytes = 64u << 20;

std::array<uint32_t, 256> crc_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}

uint32_t crc32(std::string_view bytes) {
  static const std::array<uint32_t, 256> table = crc_table();
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

// Bounds-checked reads over the file's bytes.
class Cursor {
 public:
  explicit Cursor(std::string_view bytes) : bytes_(bytes) {}
  std::optional<uint64_t> le(int n) {
    if (bytes_.size() - pos_ < static_cast<std::size_t>(n)) return std::nullopt;
    uint64_t v = 0;
    for (int i = 0; i < n; ++i)
      v |= static_cast<uint64_t>(static_cast<unsigned char>(bytes_[pos_ + i])) << (8 * i);
    pos_ += n;
    return v;
  }
  std::optional<std::string> str(int len_bytes) {
    auto len = le(len_bytes);
    if (!len || *len > kMaxFieldBytes || bytes_.size() - pos_ < *len) return std::nullopt;
    std::string s(bytes_.substr(pos_, *len));
    pos_ += *len;
    return s;
  }
  std::size_t pos() const { return pos_; }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

std::string errno_text() { return std::strerror(errno); }

std::optional<std::string> write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {  // bounded: each round writes > 0 bytes or fails
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return errno_text();
    done += static_cast<std::size_t>(n);
  }
  return std::nullopt;
}

}  // namespace

std::string encode_persist(const std::vector<Record>& records) {
  std::string out(kMagic);
  put_le(out, kVersion, 4);
  put_le(out, records.size(), 8);
  for (const Record& r : records) {
    put_le(out, r.collection.size(), 2);
    out += r.collection;
    put_le(out, r.key.size(), 4);
    out += r.key;
    put_le(out, r.value.size(), 4);
    out += r.value;
    put_le(out, static_cast<uint32_t>(r.ttl_s), 4);
  }
  put_le(out, crc32(out), 4);
  return out;
}

Expected<std::vector<Record>, std::string> decode_persist(const std::string& bytes) {
  const std::size_t min = kMagic.size() + 4 + 8 + 4;
  if (bytes.size() < min || std::string_view(bytes).substr(0, kMagic.size()) != kMagic)
    return unexpected(std::string("not a clusterd KV persist file (bad header)"));
  const std::string_view body(bytes.data(), bytes.size() - 4);
  Cursor tail(std::string_view(bytes).substr(bytes.size() - 4));
  if (crc32(body) != *tail.le(4))
    return unexpected(std::string("checksum mismatch (truncated or damaged file)"));
  Cursor in(body);
  static_assert(kMagic.size() == 8);
  in.le(8);  // the magic, checked above
  const auto version = in.le(4);
  if (*version != kVersion)
    return unexpected("unsupported version " + std::to_string(*version));
  const auto count = *in.le(8);
  // Each record takes at least 14 bytes: a larger count cannot be right.
  if (count > body.size() / 14) return unexpected(std::string("record count past the end of the file"));
  std::vector<Record> out;
  out.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    auto collection = in.str(2);
    auto key = collection ? in.str(4) : std::nullopt;
    auto value = key ? in.str(4) : std::nullopt;
    auto ttl = value ? in.le(4) : std::nullopt;
    if (!ttl) return unexpected("record " + std::to_string(i) + " is cut short");
    out.push_back({std::move(*collection), std::move(*key), std::move(*value),
                   static_cast<int32_t>(static_cast<uint32_t>(*ttl))});
  }
  if (in.pos() != body.size()) return unexpected(std::string("bytes after the last record"));
  return out;
}

Expected<PersistLoad, std::string> load_persist_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return PersistLoad{};
  std::ifstream f(path, std::ios::binary);
  if (!f) return unexpected("kv_persist_file " + path + ": cannot open: " + errno_text());
  std::string bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  if (f.bad()) return unexpected("kv_persist_file " + path + ": read error");
  auto records = decode_persist(bytes);
  if (!records)
    return unexpected("kv_persist_file " + path + " is corrupt: " + records.error() +
                      "; move it away to start with an empty cache");
  return PersistLoad{true, std::move(*records)};
}

std::optional<std::string> save_persist_file(const std::string& path,
                                             const std::vector<Record>& records) {
  const std::string tmp = path + ".tmp";
  const std::string bytes = encode_persist(records);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "kv_persist_file: cannot create " + tmp + ": " + errno_text();
  auto err = write_all(fd, bytes);
  if (!err && ::fsync(fd) != 0) err = errno_text();
  ::close(fd);
  if (err) {
    ::unlink(tmp.c_str());
    return "kv_persist_file: cannot write " + tmp + ": " + *err;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    return "kv_persist_file: cannot rename " + tmp + " to " + path + ": " + why;
  }
  // The rename itself must survive a crash: sync the directory entry.
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return std::nullopt;
}

}  // namespace lc::kv
