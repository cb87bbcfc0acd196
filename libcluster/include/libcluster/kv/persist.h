// Restart persistency of the KV cache (kv_persist_file; the analog of
// cachedb_local's enable_restart_persistency, kv-capability.md §2.3): the
// live entries, with their remaining TTL, written at a clean shutdown and
// read back at start.
//
// File format (little-endian), version 1:
//   "LCKVPERS" | u32 version | u64 record count |
//   count x [u16 collection length, collection, u32 key length, key,
//            u32 value length, value, i32 remaining TTL (0 = none)] |
//   u32 CRC-32 (IEEE) of every byte before it.
// Anything else (short, long, bad magic, version or checksum) is corrupt.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "libcluster/expected.h"
#include "libcluster/kv/codec.h"

namespace lc::kv {

struct PersistLoad {
  bool existed = false;  // no file: a first start, nothing to restore
  std::vector<Record> records;
};

// An error names the file and what is wrong with it.
Expected<PersistLoad, std::string> load_persist_file(const std::string& path);
// Writes `path`.tmp, syncs it, renames it over `path` and syncs the
// directory: a crash leaves the old file or the new one, never half of one.
// Nothing on success, otherwise the error.
std::optional<std::string> save_persist_file(const std::string& path,
                                             const std::vector<Record>& records);

// The file's bytes (exposed for the tests).
std::string encode_persist(const std::vector<Record>& records);
Expected<std::vector<Record>, std::string> decode_persist(const std::string& bytes);

}  // namespace lc::kv
