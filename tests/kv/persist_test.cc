// The kv_persist_file: round trip, atomic replacement, and every kind of
// damage reported as corrupt (never read as an empty cache).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "libcluster/kv/persist.h"

namespace lc::kv {
namespace {

namespace fs = std::filesystem;

class kv_persist : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kv_persist_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path() const { return (dir_ / "cache.bin").string(); }
  void write_raw(const std::string& bytes) {
    std::ofstream(path(), std::ios::binary | std::ios::trunc) << bytes;
  }
  fs::path dir_;
};

const std::vector<Record> kRecords = {
    {"sess", "k1", "v1", 30},
    {"default", "", "", 0},
    {"sess", std::string("bin\0key", 7), std::string(100'000, 'x'), 1},
};

TEST_F(kv_persist, RoundTripThroughTheFile) {
  EXPECT_FALSE(save_persist_file(path(), kRecords));
  EXPECT_FALSE(fs::exists(path() + ".tmp"));
  auto loaded = load_persist_file(path());
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_TRUE(loaded->existed);
  EXPECT_EQ(loaded->records, kRecords);
  // Saved again over it: replaced whole.
  EXPECT_FALSE(save_persist_file(path(), {kRecords[0]}));
  EXPECT_EQ(load_persist_file(path())->records, std::vector<Record>{kRecords[0]});
  EXPECT_FALSE(save_persist_file(path(), {}));
  EXPECT_TRUE(load_persist_file(path())->records.empty());
}

TEST_F(kv_persist, MissingFileIsAFirstStart) {
  auto loaded = load_persist_file(path());
  ASSERT_TRUE(loaded);
  EXPECT_FALSE(loaded->existed);
  EXPECT_TRUE(loaded->records.empty());
}

TEST_F(kv_persist, EveryDamageIsCorrupt) {
  const std::string good = encode_persist(kRecords);
  std::vector<std::pair<std::string, std::string>> damaged = {
      {"empty", ""},
      {"header only", good.substr(0, 10)},
      {"truncated", good.substr(0, good.size() - 1)},
      {"extra byte", good + "x"},
      {"bad magic", "X" + good.substr(1)},
  };
  for (std::size_t at : {std::size_t{9}, std::size_t{20}, good.size() / 2, good.size() - 2}) {
    std::string flipped = good;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x40);
    damaged.emplace_back("flipped byte " + std::to_string(at), flipped);
  }
  for (const auto& [what, bytes] : damaged) {
    write_raw(bytes);
    auto loaded = load_persist_file(path());
    ASSERT_FALSE(loaded) << what;
    EXPECT_NE(loaded.error().find("is corrupt"), std::string::npos) << loaded.error();
    EXPECT_NE(loaded.error().find(path()), std::string::npos) << "names the file";
  }
}

TEST_F(kv_persist, UnwritableDirectoryIsAnError) {
  auto err = save_persist_file((dir_ / "no" / "such" / "dir" / "f").string(), kRecords);
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("cannot create"), std::string::npos) << *err;
}

}  // namespace
}  // namespace lc::kv
