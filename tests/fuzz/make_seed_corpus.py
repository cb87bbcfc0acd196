#!/usr/bin/env python3
"""Regenerates the seed corpus of wire_fuzz in tests/fuzz/corpus.

One file per captured OpenSIPS packet (capture-NNN-<type>.bin, in capture
order) plus hand-made inputs: malformed packets named by their defect, a few
valid packets the captures lack, and multi-packet streams for the framer.
Regression inputs found by the fuzzer (crash-*, regress-*) are kept as they
are; this script only rewrites the files it owns.

Usage: tests/fuzz/make_seed_corpus.py  (from anywhere)
"""
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent
CAPTURES = HERE.parent / "data" / "captures" / "opensips-3.6.8-bin-packets.txt"
CORPUS = HERE / "corpus"

INTERNAL = b"clusterer-internal"
EXTRA = b"clusterer-extra"
TYPE_NAMES = ["ping", "pong", "ls-update", "full-top-update", "unknown-id",
              "node-description", "remove-node", "generic-msg", "mi-cmd",
              "cap-update", "sync-req", "sync", "sync-end", "shtag-active"]
SYNC_MARKER = 101010101


def i32(v):
    return struct.pack("<i", v)


def s(b):
    return struct.pack("<H", len(b)) + b


def packet(cap, ptype, version, body):
    rest = struct.pack("<hH", version, len(cap)) + cap + i32(ptype) + body
    return b"P4CK" + struct.pack("<I", 8 + len(rest)) + rest


def trailer(cluster=1, src=1, dst=2):
    return i32(cluster) + i32(src) + i32(dst)


def captures():
    for line in CAPTURES.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        scenario, _port, cap, ptype, _ver, _len, hexdata = line.split()
        yield cap, int(ptype), bytes.fromhex(hexdata)


def capture_name(i, cap, ptype):
    if cap in ("clusterer-internal", "clusterer-extra"):
        kind = TYPE_NAMES[ptype]
    else:
        kind = f"{cap}-{ptype}"
    return f"capture-{i:03d}-{kind}.bin"


def handmade(first_ping):
    ping = first_ping
    descr = s(b"bin:10.0.0.3:5566") + s(b"sip:10.0.0.3") + i32(2) + i32(3)
    full_top = (i32(1) + i32(1) + i32(5) + i32(10) + i32(2) +
                i32(1) + i32(0) + i32(3) + i32(0) + i32(1) + i32(2) +
                i32(3) + i32(1) + descr + i32(-1) + i32(0) + i32(0) +
                i32(1) + i32(1))
    sync_body = s(b"dialog-dlg-repl") + i32(4)
    chunk = s(b"abc") + i32(7)
    sync_ok = sync_body + (i32(len(chunk)) + i32(SYNC_MARKER) + chunk) * 3
    return {
        # Valid packets the captures do not contain.
        "valid-full-top-with-descr.bin": packet(INTERNAL, 3, 1, full_top),
        "valid-sync-three-chunks.bin": packet(EXTRA, 11, 3, sync_ok + trailer()),
        "valid-mi-10-params.bin": packet(EXTRA, 8, 1, s(b"cmd") + i32(10) + s(b"p") * 10 + trailer()),
        "valid-module-empty-body.bin": packet(b"dialog-dlg-repl", 1, 4, trailer()),
        # Streams for the framer: several packets, and one cut short.
        "stream-three-pings.bin": ping * 3,
        "stream-ping-and-half.bin": ping + ping[:20],
        # Malformed, named by the defect.
        "bad-marker.bin": b"P4CX" + ping[4:],
        "bad-length-longer.bin": ping[:4] + struct.pack("<I", len(ping) + 1) + ping[8:],
        "bad-length-huge.bin": ping[:4] + struct.pack("<I", 0xFFFFFFFF) + ping[8:],
        "too-small.bin": ping[:16],
        "cap-len-past-end.bin": ping[:10] + struct.pack("<H", 0xFFFF) + ping[12:],
        "cap-len-zero.bin": ping[:10] + struct.pack("<H", 0) + ping[12:],
        "sync-bad-version.bin": packet(EXTRA, 11, 1, sync_ok + trailer()),
        "sync-end-bad-version.bin": packet(EXTRA, 12, 2, s(b"x") + i32(1) + trailer()),
        "sync-bad-chunk-marker.bin": packet(EXTRA, 11, 3, sync_body + i32(4) + i32(7) + i32(0) + trailer()),
        "sync-negative-chunk.bin": packet(EXTRA, 11, 3, sync_body + i32(-8) + i32(SYNC_MARKER) + trailer()),
        "sync-chunk-past-end.bin": packet(EXTRA, 11, 3, sync_body + i32(100) + i32(SYNC_MARKER) + trailer()),
        "pong-count-129.bin": packet(INTERNAL, 1, 1, i32(1) + i32(2) + i32(129)),
        "pong-count-negative.bin": packet(INTERNAL, 1, 1, i32(1) + i32(2) + i32(-1)),
        "mi-11-params.bin": packet(EXTRA, 8, 1, s(b"cmd") + i32(11) + s(b"p") * 11 + trailer()),
        "full-top-has-descr-2.bin": packet(INTERNAL, 3, 1, full_top.replace(i32(3) + i32(1), i32(3) + i32(2), 1)),
        "unknown-internal-type.bin": packet(INTERNAL, 7, 1, i32(1) + i32(2)),
        "unknown-extra-type.bin": packet(EXTRA, 9, 1, i32(0) + trailer()),
        "trailing-bytes-internal.bin": packet(INTERNAL, 0, 1, i32(1) + i32(2) + i32(1) + b"\0"),
        "trailing-bytes-extra.bin": packet(EXTRA, 13, 1, s(b"vip") + b"\0" + trailer()),
        "string-past-end.bin": packet(EXTRA, 13, 1, struct.pack("<H", 0xFFFF) + trailer()),
        "no-room-for-trailer.bin": packet(EXTRA, 6, 1, i32(2)),
    }


def main():
    CORPUS.mkdir(exist_ok=True)
    for old in CORPUS.glob("capture-*.bin"):
        old.unlink()
    first = None
    for i, (cap, ptype, data) in enumerate(captures()):
        first = first or data
        (CORPUS / capture_name(i, cap, ptype)).write_bytes(data)
    for name, data in handmade(first).items():
        (CORPUS / name).write_bytes(data)


if __name__ == "__main__":
    main()
