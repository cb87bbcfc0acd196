#include "libcluster/wire/codec.h"

#include <cassert>

#include "libcluster/wire/reader.h"
#include "libcluster/wire/writer.h"

namespace lc::wire {
namespace {

// Bound for per-node capability lists: far above any real module count, low
// enough that a hostile count cannot make us loop long.
constexpr int32_t kMaxCapsPerNode = 1024;
constexpr std::size_t kTrailerSize = 12;
// Offset of the capability length; the capability name starts right after.
constexpr std::size_t kCapLenOffset = 10;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// ---------------------------------------------------------------- decoding

std::vector<int32_t> read_ids(Reader& r, int32_t n) {
  std::vector<int32_t> ids;
  ids.reserve(static_cast<std::size_t>(n));
  for (int32_t i = 0; i < n && r.ok(); ++i) ids.push_back(r.i32().value_or(0));
  return ids;
}

Path read_path(Reader& r) {
  auto n = r.count(kMaxNodes);
  if (!n) return {};
  return read_ids(r, *n);
}

NodeDescr read_descr(Reader& r) {
  NodeDescr d;
  d.url = r.str().value_or("");
  d.sip_addr = r.str().value_or("");
  d.priority = r.i32().value_or(0);
  d.no_ping_retries = r.i32().value_or(0);
  return d;
}

FullTopUpdate read_full_top(Reader& r) {
  FullTopUpdate m;
  m.seq_no = r.i32().value_or(0);
  m.timestamp = r.i32().value_or(0);
  auto n = r.count(kMaxNodes);
  for (int32_t i = 0; n && i < *n && r.ok(); ++i) {
    FullTopEntry e;
    e.node_id = r.i32().value_or(0);
    auto has_descr = r.i32();
    if (has_descr && *has_descr != 0 && *has_descr != 1) {
      r.fail(DecodeErrc::kBadCount, "has_descr must be 0 or 1");
      break;
    }
    if (has_descr.value_or(0) == 1) e.descr = read_descr(r);
    e.ls_seq_no = r.i32().value_or(-1);
    e.ls_timestamp = r.i32().value_or(0);
    if (auto nn = r.count(kMaxNodes)) e.neighbours = read_ids(r, *nn);
    m.entries.push_back(std::move(e));
  }
  m.path = read_path(r);
  return m;
}

CapUpdate read_cap_update(Reader& r) {
  CapUpdate m;
  m.seq_no = r.i32().value_or(0);
  m.timestamp = r.i32().value_or(0);
  auto n = r.count(kMaxNodes);
  for (int32_t i = 0; n && i < *n && r.ok(); ++i) {
    CapBlock b;
    b.node_id = r.i32().value_or(0);
    auto nc = r.count(kMaxCapsPerNode);
    for (int32_t c = 0; nc && c < *nc && r.ok(); ++c) {
      CapState s;
      s.name = r.str().value_or("");
      s.state = r.i32().value_or(0);
      b.caps.push_back(std::move(s));
    }
    m.blocks.push_back(std::move(b));
  }
  m.require_reply = r.i32().value_or(0);
  m.path = read_path(r);
  return m;
}

std::optional<InternalBody> read_internal_body(Reader& r, int32_t type) {
  switch (static_cast<MsgType>(type)) {
    case MsgType::kPing:
      return Ping{r.i32().value_or(0)};
    case MsgType::kPong: {
      Pong p;
      if (auto n = r.count(kMaxNodes)) p.node_ids = read_ids(r, *n);
      return p;
    }
    case MsgType::kLsUpdate: {
      LsUpdate m;
      m.seq_no = r.i32().value_or(0);
      m.timestamp = r.i32().value_or(0);
      m.neigh_id = r.i32().value_or(0);
      m.new_state = r.i32().value_or(0);
      m.path = read_path(r);
      return m;
    }
    case MsgType::kFullTopUpdate:
      return read_full_top(r);
    case MsgType::kUnknownId:
      return UnknownId{};
    case MsgType::kNodeDescription: {
      NodeDescription m;
      m.descr = read_descr(r);
      m.path = read_path(r);
      return m;
    }
    case MsgType::kCapUpdate:
      return read_cap_update(r);
    default:
      return std::nullopt;
  }
}

Sync read_sync(Reader& r) {
  Sync m;
  m.capability = r.str().value_or("");
  m.data_version = r.i32().value_or(0);
  // Chunks run to the end of the body; each consumes at least 8 bytes, so
  // the loop is bounded by the packet size.
  while (r.ok() && !r.at_end()) {
    auto len = r.i32();
    if (!len) break;
    if (*len < 0) {
      r.fail(DecodeErrc::kBadCount, "negative sync chunk length");
      break;
    }
    auto marker = r.i32();
    if (marker && *marker != kSyncChunkMarker) {
      r.fail(DecodeErrc::kBadChunkMarker, "sync chunk marker is " + std::to_string(*marker));
      break;
    }
    auto data = r.raw(static_cast<std::size_t>(*len));
    if (!data) break;
    m.chunks.emplace_back(data->begin(), data->end());
  }
  return m;
}

std::optional<ExtraBody> read_extra_body(Reader& r, int32_t type) {
  switch (static_cast<MsgType>(type)) {
    case MsgType::kRemoveNode:
      return RemoveNode{r.i32().value_or(0)};
    case MsgType::kGenericMsg: {
      GenericMsg m;
      m.req_like = r.i32().value_or(0);
      m.tag = r.str().value_or("");
      m.msg = r.str().value_or("");
      return m;
    }
    case MsgType::kMiCmd: {
      MiCmd m;
      m.cmd_name = r.str().value_or("");
      auto n = r.count(kMaxMiParams);
      for (int32_t i = 0; n && i < *n && r.ok(); ++i) m.params.push_back(r.str().value_or(""));
      return m;
    }
    case MsgType::kSyncReq:
      return SyncReq{r.str().value_or("")};
    case MsgType::kSync:
      return read_sync(r);
    case MsgType::kSyncEnd: {
      SyncEnd m;
      m.capability = r.str().value_or("");
      m.nr_chunks = r.i32().value_or(0);
      return m;
    }
    case MsgType::kShtagActive:
      return ShtagActive{r.str().value_or("")};
    default:
      return std::nullopt;
  }
}

struct Header {
  int16_t version = 0;
  std::string capability;
  int32_t type = 0;
  std::size_t body_offset = 0;
};

// Validates framing facts shared by every packet and reads the header.
// `expect_total_len` is false for unrouted module packets being sent, which
// are validated the same way.
Expected<Header, DecodeError> read_header(std::span<const uint8_t> p) {
  auto err = [](DecodeErrc c, std::size_t off, std::string d) {
    return unexpected(DecodeError{c, off, std::move(d)});
  };
  if (p.size() > kMaxPacketSize)
    return err(DecodeErrc::kTooLarge, 0, std::to_string(p.size()) + " bytes");
  if (p.size() < kMarker.size() ||
      !std::equal(kMarker.begin(), kMarker.end(), p.begin()))
    return err(DecodeErrc::kBadMarker, 0, "packet does not start with P4CK");
  if (p.size() < kMinPacketSize)
    return err(DecodeErrc::kTooSmall, 0, std::to_string(p.size()) + " bytes");
  uint32_t total = get_le32(p.data() + 4);
  if (total != p.size())
    return err(DecodeErrc::kBadLength, 4,
               "header says " + std::to_string(total) + ", packet has " + std::to_string(p.size()));
  Reader r(p, 8);
  Header h;
  h.version = *r.i16();
  uint16_t cap_len = *r.u16();
  if (cap_len == 0 || cap_len > p.size() - 16)
    return err(DecodeErrc::kBadCapability, kCapLenOffset,
               "capability length " + std::to_string(cap_len));
  auto cap = r.raw(cap_len);
  h.capability.assign(cap->begin(), cap->end());
  h.type = *r.i32();
  h.body_offset = r.pos();
  return h;
}

Expected<Packet, DecodeError> finish(Reader& r, Packet p) {
  if (!r.ok()) return unexpected(*r.error());
  if (!r.at_end())
    return unexpected(DecodeError{DecodeErrc::kTrailingBytes, r.pos(),
                                  std::to_string(r.remaining()) + " bytes after the last field"});
  return p;
}

Trailer read_trailer(std::span<const uint8_t> p) {
  Reader t(p, p.size() - kTrailerSize);
  Trailer tr;
  tr.cluster_id = *t.i32();
  tr.src_node_id = *t.i32();
  tr.dst_node_id = *t.i32();
  return tr;
}

// ---------------------------------------------------------------- encoding

void write_ids(Writer& w, const std::vector<int32_t>& ids) {
  w.i32(static_cast<int32_t>(ids.size()));
  for (int32_t id : ids) w.i32(id);
}

void write_descr(Writer& w, const NodeDescr& d) {
  w.str(d.url);
  w.str(d.sip_addr);
  w.i32(d.priority);
  w.i32(d.no_ping_retries);
}

void write_internal_body(Writer& w, const InternalBody& body) {
  std::visit(Overloaded{
                 [&](const Ping& m) { w.i32(m.req_node_list); },
                 [&](const Pong& m) { write_ids(w, m.node_ids); },
                 [&](const LsUpdate& m) {
                   w.i32(m.seq_no);
                   w.i32(m.timestamp);
                   w.i32(m.neigh_id);
                   w.i32(m.new_state);
                   write_ids(w, m.path);
                 },
                 [&](const FullTopUpdate& m) {
                   w.i32(m.seq_no);
                   w.i32(m.timestamp);
                   w.i32(static_cast<int32_t>(m.entries.size()));
                   for (const auto& e : m.entries) {
                     w.i32(e.node_id);
                     w.i32(e.descr ? 1 : 0);
                     if (e.descr) write_descr(w, *e.descr);
                     w.i32(e.ls_seq_no);
                     w.i32(e.ls_timestamp);
                     write_ids(w, e.neighbours);
                   }
                   write_ids(w, m.path);
                 },
                 [&](const UnknownId&) {},
                 [&](const NodeDescription& m) {
                   write_descr(w, m.descr);
                   write_ids(w, m.path);
                 },
                 [&](const CapUpdate& m) {
                   w.i32(m.seq_no);
                   w.i32(m.timestamp);
                   w.i32(static_cast<int32_t>(m.blocks.size()));
                   for (const auto& b : m.blocks) {
                     w.i32(b.node_id);
                     w.i32(static_cast<int32_t>(b.caps.size()));
                     for (const auto& c : b.caps) {
                       w.str(c.name);
                       w.i32(c.state);
                     }
                   }
                   w.i32(m.require_reply);
                   write_ids(w, m.path);
                 },
             },
             body);
}

void write_extra_body(Writer& w, const ExtraBody& body) {
  std::visit(Overloaded{
                 [&](const RemoveNode& m) { w.i32(m.target_node_id); },
                 [&](const GenericMsg& m) {
                   w.i32(m.req_like);
                   w.str(m.tag);
                   w.str(m.msg);
                 },
                 [&](const MiCmd& m) {
                   w.str(m.cmd_name);
                   w.i32(static_cast<int32_t>(m.params.size()));
                   for (const auto& p : m.params) w.str(p);
                 },
                 [&](const SyncReq& m) { w.str(m.capability); },
                 [&](const Sync& m) {
                   w.str(m.capability);
                   w.i32(m.data_version);
                   for (const auto& c : m.chunks) {
                     w.i32(static_cast<int32_t>(c.size()));
                     w.i32(kSyncChunkMarker);
                     w.raw(c);
                   }
                 },
                 [&](const SyncEnd& m) {
                   w.str(m.capability);
                   w.i32(m.nr_chunks);
                 },
                 [&](const ShtagActive& m) { w.str(m.tag); },
             },
             body);
}

Bytes finished(Writer& w) { return w.overflow() ? Bytes{} : w.take(); }

void write_trailer(Writer& w, const Trailer& t) {
  w.i32(t.cluster_id);
  w.i32(t.src_node_id);
  w.i32(t.dst_node_id);
}

}  // namespace

// ------------------------------------------------------------ public API

std::string_view msg_type_name(MsgType t) {
  switch (t) {
    case MsgType::kPing: return "PING";
    case MsgType::kPong: return "PONG";
    case MsgType::kLsUpdate: return "LS_UPDATE";
    case MsgType::kFullTopUpdate: return "FULL_TOP_UPDATE";
    case MsgType::kUnknownId: return "UNKNOWN_ID";
    case MsgType::kNodeDescription: return "NODE_DESCRIPTION";
    case MsgType::kRemoveNode: return "REMOVE_NODE";
    case MsgType::kGenericMsg: return "GENERIC_MSG";
    case MsgType::kMiCmd: return "MI_CMD";
    case MsgType::kCapUpdate: return "CAP_UPDATE";
    case MsgType::kSyncReq: return "SYNC_REQ";
    case MsgType::kSync: return "SYNC";
    case MsgType::kSyncEnd: return "SYNC_END";
    case MsgType::kShtagActive: return "SHTAG_ACTIVE";
  }
  return "UNKNOWN";
}

std::string_view errc_name(DecodeErrc c) {
  switch (c) {
    case DecodeErrc::kTruncated: return "truncated";
    case DecodeErrc::kBadMarker: return "bad marker";
    case DecodeErrc::kBadLength: return "bad length";
    case DecodeErrc::kTooSmall: return "too small";
    case DecodeErrc::kTooLarge: return "too large";
    case DecodeErrc::kBadCapability: return "bad capability";
    case DecodeErrc::kBadVersion: return "bad version";
    case DecodeErrc::kUnknownType: return "unknown type";
    case DecodeErrc::kBadCount: return "bad count";
    case DecodeErrc::kBadChunkMarker: return "bad sync chunk marker";
    case DecodeErrc::kTrailingBytes: return "trailing bytes";
  }
  return "unknown error";
}

std::string DecodeError::to_string() const {
  std::string s(errc_name(code));
  s += " at byte " + std::to_string(offset);
  if (!detail.empty()) s += ": " + detail;
  return s;
}

int16_t default_version(const ExtraBody& body) {
  return std::holds_alternative<SyncReq>(body) || std::holds_alternative<Sync>(body) ||
                 std::holds_alternative<SyncEnd>(body)
             ? kBinSyncVersion
             : kBinVersion;
}

MsgType type_of(const InternalBody& body) {
  return std::visit(Overloaded{
                        [](const Ping&) { return MsgType::kPing; },
                        [](const Pong&) { return MsgType::kPong; },
                        [](const LsUpdate&) { return MsgType::kLsUpdate; },
                        [](const FullTopUpdate&) { return MsgType::kFullTopUpdate; },
                        [](const UnknownId&) { return MsgType::kUnknownId; },
                        [](const NodeDescription&) { return MsgType::kNodeDescription; },
                        [](const CapUpdate&) { return MsgType::kCapUpdate; },
                    },
                    body);
}

MsgType type_of(const ExtraBody& body) {
  return std::visit(Overloaded{
                        [](const RemoveNode&) { return MsgType::kRemoveNode; },
                        [](const GenericMsg&) { return MsgType::kGenericMsg; },
                        [](const MiCmd&) { return MsgType::kMiCmd; },
                        [](const SyncReq&) { return MsgType::kSyncReq; },
                        [](const Sync&) { return MsgType::kSync; },
                        [](const SyncEnd&) { return MsgType::kSyncEnd; },
                        [](const ShtagActive&) { return MsgType::kShtagActive; },
                    },
                    body);
}

Expected<Packet, DecodeError> decode(std::span<const uint8_t> p) {
  auto h = read_header(p);
  if (!h) return unexpected(h.error());

  if (h->capability == kCapInternal) {
    Reader r(p, h->body_offset);
    InternalMessage m;
    m.version = h->version;
    m.cluster_id = r.i32().value_or(0);
    m.src_node_id = r.i32().value_or(0);
    if (!r.ok()) return unexpected(*r.error());
    auto body = read_internal_body(r, h->type);
    if (!body)
      return unexpected(DecodeError{DecodeErrc::kUnknownType, h->body_offset - 4,
                                    "type " + std::to_string(h->type) + " is not an internal message"});
    m.body = std::move(*body);
    return finish(r, std::move(m));
  }

  if (p.size() - h->body_offset < kTrailerSize)
    return unexpected(DecodeError{DecodeErrc::kTruncated, h->body_offset, "no room for the trailer"});
  Trailer trailer = read_trailer(p);
  auto body_span = p.first(p.size() - kTrailerSize);

  if (h->capability == kCapExtra) {
    auto type = static_cast<MsgType>(h->type);
    if ((type == MsgType::kSync || type == MsgType::kSyncEnd) && h->version != kBinSyncVersion)
      return unexpected(DecodeError{DecodeErrc::kBadVersion, 8,
                                    "sync packet version " + std::to_string(h->version)});
    Reader r(body_span, h->body_offset);
    auto body = read_extra_body(r, h->type);
    if (!body)
      return unexpected(DecodeError{DecodeErrc::kUnknownType, h->body_offset - 4,
                                    "type " + std::to_string(h->type) + " is not an extra message"});
    ExtraMessage m{trailer, std::move(*body), h->version};
    return finish(r, std::move(m));
  }

  ModulePacket m;
  m.capability = std::move(h->capability);
  m.type = h->type;
  m.version = h->version;
  m.body.assign(body_span.begin() + static_cast<std::ptrdiff_t>(h->body_offset), body_span.end());
  m.trailer = trailer;
  return Packet{std::move(m)};
}

Bytes encode(const InternalMessage& m) {
  Writer w(kCapInternal, static_cast<int32_t>(type_of(m.body)), m.version);
  w.i32(m.cluster_id);
  w.i32(m.src_node_id);
  write_internal_body(w, m.body);
  return finished(w);
}

Bytes encode(const ExtraMessage& m) {
  Writer w(kCapExtra, static_cast<int32_t>(type_of(m.body)), m.version);
  write_extra_body(w, m.body);
  write_trailer(w, m.trailer);
  return finished(w);
}

Bytes encode(const ModulePacket& m) {
  Writer w(m.capability, m.type, m.version);
  w.raw(m.body);
  write_trailer(w, m.trailer);
  return finished(w);
}

Bytes encode(const Packet& p) {
  return std::visit([](const auto& m) { return encode(m); }, p);
}

Bytes encode_module_unrouted(std::string_view capability, int32_t type, int16_t version,
                             std::span<const uint8_t> body) {
  Writer w(capability, type, version);
  w.raw(body);
  return finished(w);
}

Expected<ModuleHeader, DecodeError> decode_module_header(std::span<const uint8_t> packet) {
  auto h = read_header(packet);
  if (!h) return unexpected(h.error());
  return ModuleHeader{std::move(h->capability), h->type, h->version, h->body_offset};
}

void patch_trailer_dst(Bytes& packet, int32_t dst_node_id) {
  assert(packet.size() >= kMinPacketSize + kTrailerSize);
  put_le32(packet.data() + packet.size() - 4, static_cast<uint32_t>(dst_node_id));
}

}  // namespace lc::wire
