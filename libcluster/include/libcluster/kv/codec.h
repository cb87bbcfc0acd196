// The wire format of the replicated KV cache, byte-compatible with OpenSIPS
// 3.6 cachedb_local (kv-capability.md §1, §2.2, §5): the two live packets a
// module broadcasts with send_all, and the record carried by each sync chunk.
//
//   auto pkt = kv::encode_insert({"sess", "k1", "v", 30});   // no trailer
//   if (pkt) engine.send_all(now, cluster_id, *pkt);
//   auto msg = kv::decode_packet(packet.type, packet.body);  // on receive
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "libcluster/expected.h"
#include "libcluster/wire/messages.h"

namespace lc::kv {

// Capability name (BIN header and clusterer registration).
inline constexpr std::string_view kCapability = "cachedb-local-repl";
// BIN version of the live packets, also the sync data_version.
inline constexpr int16_t kBinVersion = 1;
inline constexpr int32_t kDataVersion = 1;

enum class PacketType : int32_t {
  kInsert = 1,  // REPL_CACHE_INSERT: collection, key, value, expires
  kRemove = 2,  // REPL_CACHE_REMOVE: collection, key
};

// §5: the bytes of collection + key + value that still fit one BIN packet.
// INSERT: 65535 - 34 (header with this capability) - 10 (three lengths and
// the TTL) - 12 (trailer). Sync record: what is left after the SYNC header,
// capability, data_version, chunk header, record lengths and trailer.
inline constexpr std::size_t kMaxInsertFieldBytes = 65479;
inline constexpr std::size_t kMaxSyncRecordFieldBytes = 65450;

// An INSERT, or one sync chunk. `ttl_s`: relative seconds, 0 = never
// expires. A live INSERT carries the TTL given to the store; a sync record
// the remaining time (>= 1) or 0.
struct Record {
  std::string collection;  // without the "/r" suffix
  std::string key;
  std::string value;
  int32_t ttl_s = 0;
  bool operator==(const Record&) const = default;
};

struct Removal {
  std::string collection;
  std::string key;
  bool operator==(const Removal&) const = default;
};

using Replication = std::variant<Record, Removal>;

enum class CodecErrc : uint8_t {
  kTooLarge,     // the fields do not fit one BIN packet (§5): not replicated
  kTruncated,    // a field crosses the end of the packet or chunk
  kUnknownType,  // neither INSERT nor REMOVE
};

struct CodecError {
  CodecErrc code;
  std::string detail;  // for logs: which field, which sizes
};

// Module packets without trailer (the engine adds it when it routes them).
Expected<wire::Bytes, CodecError> encode_insert(const Record& r);
Expected<wire::Bytes, CodecError> encode_remove(const Removal& r);
// The data of one sync chunk (the engine adds the chunk header).
Expected<wire::Bytes, CodecError> encode_sync_record(const Record& r);

// The body of a received cachedb-local-repl packet (after the header,
// without trailer), by its type. Every field must be present; bytes after
// the last field are ignored, as OpenSIPS reads only what it needs. The
// BIN version is not checked (OpenSIPS does not check it either).
Expected<Replication, CodecError> decode_packet(int32_t type, std::span<const uint8_t> body);
Expected<Record, CodecError> decode_sync_record(std::span<const uint8_t> chunk);

std::string_view codec_errc_name(CodecErrc c);

}  // namespace lc::kv
