#!/usr/bin/env python3
"""Helper of scripts/lab/capture-fixtures.

  extract PCAP OUTPREFIX NAME_A IP_A NAME_B IP_B
      Take the BGP TCP stream between IP_A and IP_B with the most payload from PCAP (tshark),
      rebuild each direction's byte stream by TCP sequence number (retransmitted or duplicated
      segments are dropped, a gap is an error), check that it is whole BGP messages starting on a
      marker, and write OUTPREFIX.NAME_A-to-NAME_B.bin and OUTPREFIX.NAME_B-to-NAME_A.bin.
      Also checks that tshark decodes the same number of BGP messages per direction, and that
      tshark reports nothing malformed.

  summary BIN
      Print a Markdown summary of the messages in a .bin (independent decoder, for the README).
"""
import subprocess
import sys
from collections import Counter, OrderedDict

MARKER = b"\xff" * 16
MSG = {1: "OPEN", 2: "UPDATE", 3: "NOTIFICATION", 4: "KEEPALIVE", 5: "ROUTE-REFRESH"}
EVPN_RT = {1: "1 (Ethernet A-D)", 2: "2 (MAC/IP)", 3: "3 (IMET)", 4: "4 (Ethernet Segment)", 5: "5 (IP Prefix)"}
ATTR = {1: "ORIGIN", 2: "AS_PATH", 3: "NEXT_HOP", 4: "MED", 5: "LOCAL_PREF", 8: "COMMUNITIES",
        9: "ORIGINATOR_ID", 10: "CLUSTER_LIST", 14: "MP_REACH_NLRI", 15: "MP_UNREACH_NLRI",
        16: "EXTENDED_COMMUNITIES", 22: "PMSI_TUNNEL", 32: "LARGE_COMMUNITIES"}
CAP = {1: "multiprotocol", 2: "route-refresh", 5: "extended-nexthop", 6: "extended-message",
       64: "graceful-restart", 65: "4-octet-AS", 69: "add-path", 70: "enhanced-route-refresh",
       71: "long-lived-GR", 73: "FQDN", 128: "route-refresh (old Cisco)", 9: "BGP role",
       75: "software-version"}


def tshark(args):
    r = subprocess.run(["tshark"] + args, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("tshark failed: %s" % r.stderr)
    return r.stdout


def split_messages(data):
    msgs, off = [], 0
    while off < len(data):
        if data[off:off + 16] != MARKER:
            raise ValueError("no BGP marker at offset %d" % off)
        if off + 19 > len(data):
            raise ValueError("truncated header at offset %d" % off)
        ln = int.from_bytes(data[off + 16:off + 18], "big")
        if ln < 19 or off + ln > len(data):
            raise ValueError("bad length %d at offset %d" % (ln, off))
        msgs.append(data[off:off + ln])
        off += ln
    return msgs


def extract(pcap, outprefix, name_a, ip_a, name_b, ip_b):
    flt = "tcp.len>0 && ((ip.src==%s && ip.dst==%s) || (ip.src==%s && ip.dst==%s))" % (ip_a, ip_b, ip_b, ip_a)
    out = tshark(["-r", pcap, "-o", "tcp.relative_sequence_numbers:FALSE", "-Y", flt, "-T", "fields",
                  "-E", "separator=|", "-e", "tcp.stream", "-e", "ip.src", "-e", "tcp.seq",
                  "-e", "tcp.len", "-e", "tcp.payload"])
    rows = [l.split("|") for l in out.splitlines() if l.strip()]
    per_stream = Counter()
    for s, _, _, ln, _ in rows:
        per_stream[s] += int(ln)
    if not per_stream:
        sys.exit("no payload between %s and %s in %s" % (ip_a, ip_b, pcap))
    stream = per_stream.most_common(1)[0][0]
    if len(per_stream) > 1:
        print("note: %d TCP streams with payload, using stream %s" % (len(per_stream), stream))
    result = {}
    for name_s, ip_s, name_d in ((name_a, ip_a, name_b), (name_b, ip_b, name_a)):
        segs = [(int(seq), int(ln), bytes.fromhex(p.replace(":", ""))) for s, src, seq, ln, p in rows
                if s == stream and src == ip_s]
        if not segs:
            sys.exit("no payload from %s" % ip_s)
        base = segs[0][0]  # first payload segment in capture order (raw sequence numbers, modulo 2^32)
        segs = [((seq - base) % 2**32, ln, p) for seq, ln, p in segs]
        buf = bytearray()
        dups = 0
        for off, ln, p in sorted(segs, key=lambda x: x[0]):
            assert len(p) == ln, "payload length mismatch (snaplen?)"
            if off > len(buf):
                sys.exit("gap in %s -> %s at byte %d" % (name_s, name_d, len(buf)))
            if off + ln <= len(buf):
                if bytes(buf[off:off + ln]) != p:
                    sys.exit("retransmission with different bytes at %d" % off)
                dups += 1
                continue
            if off < len(buf):
                if bytes(buf[off:]) != p[:len(buf) - off]:
                    sys.exit("overlapping segment with different bytes at %d" % off)
                p = p[len(buf) - off:]
            buf += p
        data = bytes(buf)
        msgs = split_messages(data)
        # tshark's own decoding of the same direction of the same stream must agree.
        tflt = "tcp.stream==%s && ip.src==%s && bgp" % (stream, ip_s)
        ttypes = [int(t) for l in tshark(["-r", pcap, "-Y", tflt, "-T", "fields", "-e", "bgp.type"]).splitlines()
                  for t in l.split(",") if t]
        mine = [m[18] for m in msgs]
        if Counter(ttypes) != Counter(mine):
            sys.exit("tshark decodes %s but the byte stream holds %s (%s -> %s)" %
                     (Counter(ttypes), Counter(mine), name_s, name_d))
        path = "%s.%s-to-%s.bin" % (outprefix, name_s, name_d)
        with open(path, "wb") as f:
            f.write(data)
        print("%s: %d bytes, %d messages %s, %d duplicate segments dropped" %
              (path, len(data), len(msgs), dict(Counter(MSG.get(t, t) for t in mine)), dups))
        result[path] = msgs
    bad = tshark(["-r", pcap, "-Y", "_ws.malformed || _ws.expert.severity >= error", "-T", "fields",
                  "-e", "frame.number"]).split()
    if bad:
        print("WARNING: tshark reports malformed/error frames: %s" % " ".join(bad))
    return result


def parse_evpn_nlri(b):
    types, off = [], 0
    while off < len(b):
        t, ln = b[off], b[off + 1]
        types.append((t, b[off + 2:off + 2 + ln]))
        off += 2 + ln
    return types


def ext_comm(e):
    t, st = e[0], e[1]
    if t == 0x00 and st == 0x02:
        return "RT:%d:%d" % (int.from_bytes(e[2:4], "big"), int.from_bytes(e[4:8], "big"))
    if t == 0x01 and st == 0x02:
        return "RT:%s:%d" % (".".join(str(x) for x in e[2:6]), int.from_bytes(e[6:8], "big"))
    if t == 0x02 and st == 0x02:
        return "RT:%d:%d(4-byte AS)" % (int.from_bytes(e[2:6], "big"), int.from_bytes(e[6:8], "big"))
    if t == 0x03 and st == 0x0c:
        return "encap:%d" % int.from_bytes(e[6:8], "big")
    if t == 0x06 and st == 0x00:
        return "MAC-mobility:seq=%d%s" % (int.from_bytes(e[4:8], "big"), ",sticky" if e[2] & 1 else "")
    if t == 0x06 and st == 0x01:
        return "ESI-label:%s,label=0x%06x" % ("single-active" if e[2] & 1 else "all-active", int.from_bytes(e[5:8], "big"))
    if t == 0x06 and st == 0x03:
        return "router-MAC:" + ":".join("%02x" % x for x in e[2:8])
    if t == 0x03 and st == 0x0d:
        return "default-gateway"
    return "ext:" + e.hex()


def describe_update(m):
    body = m[19:]
    wl = int.from_bytes(body[0:2], "big")
    pal = int.from_bytes(body[2 + wl:4 + wl], "big")
    attrs = body[4 + wl:4 + wl + pal]
    nlri = body[4 + wl + pal:]
    off, names, reach, unreach, ext_len, nh, extcomms = 0, [], [], [], [], None, []
    while off < len(attrs):
        flags, code = attrs[off], attrs[off + 1]
        if flags & 0x10:
            ln = int.from_bytes(attrs[off + 2:off + 4], "big")
            val = attrs[off + 4:off + 4 + ln]
            off += 4 + ln
            ext_len.append(ATTR.get(code, str(code)))
        else:
            ln = attrs[off + 2]
            val = attrs[off + 3:off + 3 + ln]
            off += 3 + ln
        names.append(ATTR.get(code, str(code)))
        if code == 16:
            ecs = []
            for i in range(0, len(val), 8):
                ecs.append(ext_comm(val[i:i + 8]))
            extcomms.extend(ecs)
        if code == 14:
            afi, safi, nhl = int.from_bytes(val[0:2], "big"), val[2], val[3]
            nh = nhl
            if (afi, safi) == (25, 70):
                reach += parse_evpn_nlri(val[5 + nhl:])
        elif code == 15:
            afi, safi = int.from_bytes(val[0:2], "big"), val[2]
            if (afi, safi) == (25, 70):
                unreach += parse_evpn_nlri(val[3:])
                if len(val) == 3:
                    names[-1] = "MP_UNREACH_NLRI(empty: End-of-RIB l2vpn/evpn)"
    return {"withdrawn_len": wl, "attrs": names, "reach": reach, "unreach": unreach,
            "ext_len": ext_len, "nh_len": nh, "nlri_len": len(nlri), "extcomms": extcomms}


def route_label(rt, v):
    if rt == 2:
        iplen = v[8 + 10 + 4 + 1 + 6]
        return "T2 " + {0: "mac", 32: "mac+ipv4", 128: "mac+ipv6"}.get(iplen, "mac+ip/%d" % iplen)
    if rt == 3:
        return "T3 " + {32: "ipv4", 128: "ipv6"}.get(v[12], "ip/%d" % v[12])
    if rt == 5:
        return "T5 " + ("ipv4" if len(v) == 34 else "ipv6" if len(v) == 58 else "len%d" % len(v))
    return "T%d" % rt


def message_table(msgs):
    rows, off = [], 0
    for i, m in enumerate(msgs):
        t = m[18]
        detail = ""
        if t == 2:
            d = describe_update(m)
            parts = []
            if d["reach"]:
                parts.append("advertise " + ", ".join(route_label(rt, v) for rt, v in d["reach"]))
            if d["unreach"]:
                parts.append("withdraw " + ", ".join(route_label(rt, v) for rt, v in d["unreach"]))
            if not d["reach"] and not d["unreach"] and "MP_UNREACH_NLRI(empty: End-of-RIB l2vpn/evpn)" in d["attrs"]:
                parts.append("End-of-RIB l2vpn/evpn")
            extra = [a for a in d["attrs"] if a in ("ORIGINATOR_ID", "CLUSTER_LIST", "PMSI_TUNNEL", "MED", "LOCAL_PREF")]
            if extra:
                parts.append("with " + ",".join(extra))
            if d["extcomms"]:
                parts.append(" ".join(d["extcomms"]))
            detail = "; ".join(parts)
        elif t == 3:
            detail = "code %d subcode %d" % (m[19], m[20])
        elif t == 5:
            detail = "subtype %d" % m[21]
        rows.append("| %d | %d | %d | %s | %s |" % (i, off, len(m), MSG.get(t, t), detail))
        off += len(m)
    return "\n".join(["| # | offset | length | type | content |", "|---|---|---|---|---|"] + rows)


def summary(path):
    data = open(path, "rb").read()
    msgs = split_messages(data)
    c = Counter(MSG.get(m[18], str(m[18])) for m in msgs)
    reach, unreach, attrs, ext_len, nhl = Counter(), Counter(), Counter(), Counter(), Counter()
    eor = 0
    caps = []
    notes = []
    for m in msgs:
        t = m[18]
        if t == 1:
            opl = m[28]
            p, off = m[29:29 + opl], 0
            while off < len(p):
                pt, pl = p[off], p[off + 1]
                v = p[off + 2:off + 2 + pl]
                if pt == 2:
                    o = 0
                    while o < len(v):
                        cc, cl = v[o], v[o + 1]
                        cv = v[o + 2:o + 2 + cl]
                        extra = ""
                        if cc == 1:
                            extra = " afi %d safi %d" % (int.from_bytes(cv[0:2], "big"), cv[3])
                        elif cc == 73:
                            hl = cv[0]
                            extra = " hostname %r" % cv[1:1 + hl].decode(errors="replace")
                        elif cc == 69:
                            extra = " " + ",".join("afi %d safi %d mode %d" % (int.from_bytes(cv[i:i + 2], "big"), cv[i + 2], cv[i + 3])
                                                   for i in range(0, len(cv), 4))
                        caps.append("%d %s%s" % (cc, CAP.get(cc, "?"), extra))
                        o += 2 + cl
                off += 2 + pl
            notes.append("OPEN: version %d, AS %d, hold %d, BGP id %s" % (
                m[19], int.from_bytes(m[20:22], "big"), int.from_bytes(m[22:24], "big"), ".".join(str(x) for x in m[24:28])))
        elif t == 2:
            d = describe_update(m)
            for a in d["attrs"]:
                attrs[a] += 1
            for a in d["ext_len"]:
                ext_len[a] += 1
            if d["nh_len"] is not None:
                nhl[d["nh_len"]] += 1
            for rt, _ in d["reach"]:
                reach[EVPN_RT.get(rt, str(rt))] += 1
            for rt, _ in d["unreach"]:
                unreach[EVPN_RT.get(rt, str(rt))] += 1
            if not d["reach"] and not d["unreach"] and any(a.startswith("MP_UNREACH_NLRI(empty") for a in d["attrs"]):
                eor += 1
        elif t == 3:
            code, sub = m[19], m[20]
            notes.append("NOTIFICATION: code %d subcode %d, %d data bytes %r" % (code, sub, len(m) - 21, bytes(m[21:])))
        elif t == 5:
            notes.append("ROUTE-REFRESH: afi %d safi %d subtype %d" % (int.from_bytes(m[19:21], "big"), m[22], m[21]))
    out = ["- %d bytes, %d messages: %s" % (len(data), len(msgs), ", ".join("%s %d" % kv for kv in sorted(c.items())))]
    if caps:
        out.append("- OPEN capabilities (code name): " + "; ".join(caps))
    for n in notes:
        out.append("- " + n)
    if reach:
        out.append("- EVPN NLRI advertised (MP_REACH_NLRI), by route type: " + ", ".join("type %s: %d" % kv for kv in sorted(reach.items())))
    if unreach:
        out.append("- EVPN NLRI withdrawn (MP_UNREACH_NLRI), by route type: " + ", ".join("type %s: %d" % kv for kv in sorted(unreach.items())))
    if eor:
        out.append("- End-of-RIB (l2vpn/evpn, empty MP_UNREACH_NLRI): %d" % eor)
    if attrs:
        out.append("- path attributes seen (count of UPDATEs): " + ", ".join("%s %d" % kv for kv in sorted(attrs.items())))
    if ext_len:
        out.append("- attributes sent with the Extended Length flag: " + ", ".join("%s %d" % kv for kv in sorted(ext_len.items())))
    if nhl:
        out.append("- MP_REACH_NLRI next-hop lengths: " + ", ".join("%d bytes: %d" % kv for kv in sorted(nhl.items())))
    print("\n".join(out))
    print()
    print(message_table(msgs))


if __name__ == "__main__":
    if len(sys.argv) == 8 and sys.argv[1] == "extract":
        extract(*sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "summary":
        summary(sys.argv[2])
    else:
        sys.exit(__doc__)
