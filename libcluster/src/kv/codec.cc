#include "libcluster/kv/codec.h"

#include "libcluster/wire/codec.h"
#include "libcluster/wire/reader.h"

namespace lc::kv {

namespace {

// Every string must fit its 2-byte length, and the three together the
// packet; checked before writing so that nothing malformed is ever built
// (OpenSIPS silently drops an oversized field and sends the rest).
std::optional<CodecError> check_sizes(const Record& r, std::size_t max_total) {
  constexpr std::size_t kMaxStr = 65535;
  const std::size_t total = r.collection.size() + r.key.size() + r.value.size();
  if (r.collection.size() > kMaxStr || r.key.size() > kMaxStr || r.value.size() > kMaxStr ||
      total > max_total)
    return CodecError{CodecErrc::kTooLarge,
                      "collection + key + value are " + std::to_string(total) +
                          " bytes (collection " + std::to_string(r.collection.size()) + ", key " +
                          std::to_string(r.key.size()) + ", value " +
                          std::to_string(r.value.size()) + "), at most " +
                          std::to_string(max_total) + " fit one BIN packet"};
  return std::nullopt;
}

void put_str(wire::Bytes& out, std::string_view s) {
  out.push_back(static_cast<uint8_t>(s.size()));
  out.push_back(static_cast<uint8_t>(s.size() >> 8));
  out.insert(out.end(), s.begin(), s.end());
}

void put_i32(wire::Bytes& out, int32_t v) {
  const auto u = static_cast<uint32_t>(v);
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<uint8_t>(u >> shift));
}

wire::Bytes record_body(const Record& r) {
  wire::Bytes body;
  body.reserve(10 + r.collection.size() + r.key.size() + r.value.size());
  put_str(body, r.collection);
  put_str(body, r.key);
  put_str(body, r.value);
  put_i32(body, r.ttl_s);
  return body;
}

CodecError truncated(const wire::Reader& rd, std::string_view what) {
  return CodecError{CodecErrc::kTruncated,
                    std::string(what) + ": " + rd.error()->to_string()};
}

Expected<Record, CodecError> read_record(std::span<const uint8_t> bytes, std::string_view what) {
  wire::Reader rd(bytes);
  auto collection = rd.str();
  auto key = rd.str();
  auto value = rd.str();
  auto ttl = rd.i32();
  if (!rd.ok()) return unexpected(truncated(rd, what));
  return Record{std::move(*collection), std::move(*key), std::move(*value), *ttl};
}

Expected<Removal, CodecError> read_removal(std::span<const uint8_t> bytes) {
  wire::Reader rd(bytes);
  auto collection = rd.str();
  auto key = rd.str();
  if (!rd.ok()) return unexpected(truncated(rd, "REPL_CACHE_REMOVE"));
  return Removal{std::move(*collection), std::move(*key)};
}

}  // namespace

Expected<wire::Bytes, CodecError> encode_insert(const Record& r) {
  if (auto err = check_sizes(r, kMaxInsertFieldBytes)) return unexpected(std::move(*err));
  const wire::Bytes body = record_body(r);
  return wire::encode_module_unrouted(kCapability, static_cast<int32_t>(PacketType::kInsert),
                                      kBinVersion, body);
}

Expected<wire::Bytes, CodecError> encode_remove(const Removal& r) {
  if (auto err = check_sizes(Record{r.collection, r.key, "", 0}, kMaxInsertFieldBytes))
    return unexpected(std::move(*err));
  wire::Bytes body;
  put_str(body, r.collection);
  put_str(body, r.key);
  return wire::encode_module_unrouted(kCapability, static_cast<int32_t>(PacketType::kRemove),
                                      kBinVersion, body);
}

Expected<wire::Bytes, CodecError> encode_sync_record(const Record& r) {
  if (auto err = check_sizes(r, kMaxSyncRecordFieldBytes)) return unexpected(std::move(*err));
  return record_body(r);
}

Expected<Replication, CodecError> decode_packet(int32_t type, std::span<const uint8_t> body) {
  switch (type) {
    case static_cast<int32_t>(PacketType::kInsert): {
      auto r = read_record(body, "REPL_CACHE_INSERT");
      if (!r) return unexpected(r.error());
      return Replication{std::move(*r)};
    }
    case static_cast<int32_t>(PacketType::kRemove): {
      auto r = read_removal(body);
      if (!r) return unexpected(r.error());
      return Replication{std::move(*r)};
    }
    default:
      return unexpected(CodecError{CodecErrc::kUnknownType, std::to_string(type)});
  }
}

Expected<Record, CodecError> decode_sync_record(std::span<const uint8_t> chunk) {
  return read_record(chunk, "sync chunk");
}

std::string_view codec_errc_name(CodecErrc c) {
  switch (c) {
    case CodecErrc::kTooLarge: return "too large";
    case CodecErrc::kTruncated: return "truncated";
    case CodecErrc::kUnknownType: return "unknown type";
  }
  return "?";
}

}  // namespace lc::kv
