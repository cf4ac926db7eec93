#!/usr/bin/env python3
"""Writes the hand-made seeds of fuzz-io-socket (D-Bus messages as bytes).

    python3 tests/fuzz/tools/make-io-socket-seeds.py tests/fuzz/corpus/fuzz-io-socket

The messages are built field by field here, not through a D-Bus library, so
that they can carry what no library sends: header fields of the wrong type,
missing required fields, several messages in one write.
"""
import struct
import sys
import os


def pad(buf, n):
    return buf + b"\0" * ((-len(buf)) % n)


def sig_value(s):
    return bytes([len(s)]) + s.encode() + b"\0"


def field(code, typ, value):
    """One header field (code, variant), starting at an 8-aligned offset
    relative to the start of the field array (which is at offset 16)."""
    out = bytes([code]) + sig_value(typ)
    if typ in ("s", "o"):
        out = pad(out, 4) + struct.pack("<I", len(value)) + value.encode() + b"\0"
    elif typ == "u":
        out = pad(out, 4) + struct.pack("<I", value)
    elif typ == "g":
        out += sig_value(value)
    return out


def message(fields, body=b"", mtype=1, serial=1):
    arr = b""
    for f in fields:
        arr = pad(arr, 8) + f
    head = struct.pack("<BBBBIII", ord("l"), mtype, 0, 1, len(body), serial, len(arr))
    return pad(head + arr, 8) + body


PATH = "/org/aarp/Resolve1"
PROPS = "org.freedesktop.DBus.Properties"
MGR = "org.aarp.Resolve1.Manager"


def s_body(*strings):
    out = b""
    for s in strings:
        out = pad(out, 4) + struct.pack("<I", len(s)) + s.encode() + b"\0"
    return out


seeds = {
    # The crash: MEMBER typed 'u' or 'o', or missing, on Properties.
    "props-member-u": message([field(1, "o", PATH), field(2, "s", PROPS), field(3, "u", 7),
                               field(8, "g", "s")], s_body(MGR)),
    "props-member-o": message([field(1, "o", PATH), field(2, "s", PROPS), field(3, "o", "/GetAll"),
                               field(8, "g", "s")], s_body(MGR)),
    "props-member-missing": message([field(1, "o", PATH), field(2, "s", PROPS), field(8, "g", "s")],
                                    s_body(MGR)),
    "path-typed-s": message([field(1, "s", PATH), field(2, "s", MGR), field(3, "s", "FlushCaches")]),
    "getall": message([field(1, "o", PATH), field(2, "s", PROPS), field(3, "s", "GetAll"),
                       field(8, "g", "s")], s_body(MGR)),
    "get": message([field(1, "o", PATH), field(2, "s", PROPS), field(3, "s", "Get"),
                    field(8, "g", "ss")], s_body(MGR, "CacheHits")),
    "introspect": message([field(1, "o", PATH), field(2, "s", "org.freedesktop.DBus.Introspectable"),
                           field(3, "s", "Introspect")]),
    "ping": message([field(1, "o", "/"), field(2, "s", "org.freedesktop.DBus.Peer"), field(3, "s", "Ping")]),
    "hostname": message([field(1, "o", PATH), field(2, "s", MGR), field(3, "s", "ResolveHostname"),
                         field(8, "g", "isit")],
                        pad(struct.pack("<iI", 0, 8) + b"fuzzhost\0", 4) + struct.pack("<i", 0)
                        + struct.pack("<Q", 0)),
    "hostname-ex": message([field(1, "o", PATH), field(2, "s", MGR), field(3, "s", "ResolveHostnameEx"),
                            field(8, "g", "isit")],
                           pad(struct.pack("<iI", 0, 8) + b"fuzzhost\0", 4) + struct.pack("<i", 0)
                           + struct.pack("<Q", 0)),
    "signal": message([field(1, "o", PATH), field(2, "s", MGR), field(3, "s", "Changed")], mtype=4),
}
# Several messages in one write, the last two invalid.
seeds["pipelined"] = (seeds["getall"] + message([field(1, "o", PATH), field(2, "s", PROPS),
                                                  field(3, "s", "GetAll"), field(8, "g", "s")],
                                                 s_body(MGR), serial=2)
                      + seeds["introspect"] + seeds["props-member-u"] + seeds["getall"])

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
