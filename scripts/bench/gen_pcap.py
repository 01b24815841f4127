#!/usr/bin/python3
"""Writes the benchmark pcaps of scripts/bench/dataplane.sh.

  gen_pcap.py plain   OUT.pcap --flows N --size BYTES [--random-sources SEED]
                                                       IPv6/UDP to the 1,000 service /48s
  gen_pcap.py transit OUT.pcap --flows N               SRv6 (SRH, 2 segments) to our End SID

Flow i goes to prefix 2001:db8:<i mod 1000>::/48 (the prefixes of gen_state.py)
from source 2001:db8:ffff::<i + 1> with UDP ports (10000 + i/1000, 443), one packet
per flow, so the file replays the flows round robin. With --random-sources the
source address (under 2001:db8::/32) and UDP source port of each flow are
random, as a real client population's are, from SEED: the numbered sources
hash more evenly than random ones do, which flatters a hash table (a direct
mapped flow cache of 8,192 entries missed 1.2 % of the numbered flows' packets
and 9.8 % of random ones'). Frame sizes exclude the
FCS: a 64 B frame is Ethernet 14 + IPv6 40 + UDP 8 + 2 payload bytes. Transit
frames are Ethernet + outer IPv6 + SRH (segments [2001:db8:<k>::d6, fc00:1::e],
segments left 1) + inner IPv6/UDP: 142 B.
"""
import argparse
import ipaddress
import random
import struct

PREFIXES = 1000
DST_MAC = bytes.fromhex("020000000001")
SRC_MAC = bytes.fromhex("020000000099")
END_SID = "fc00:1::e"


def ip6(text):
    return ipaddress.IPv6Address(text).packed


def client_address(i):
    return ip6(f"2001:db8:ffff::{(i + 1) >> 16:x}:{(i + 1) & 0xFFFF:x}")


def service_address(k, host):
    return ip6(f"2001:db8:{k:x}::{host:x}")


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s & 0xFFFF) or 0xFFFF


def ipv6_udp(src, dst, sport, dport, payload_len, flow_label):
    payload = bytes(payload_len)
    udp_len = 8 + payload_len
    pseudo = src + dst + struct.pack("!I3xB", udp_len, 17)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    udp = udp[:6] + struct.pack("!H", checksum(pseudo + udp)) + udp[8:]
    head = struct.pack("!IHBB", (6 << 28) | flow_label, udp_len, 17, 64) + src + dst
    return head + udp


def plain_frame(i, size, rng=None):
    k = i % PREFIXES
    payload = max(0, size - 14 - 40 - 8)
    if rng is None:
        src, sport = client_address(i), 10000 + i // PREFIXES
    else:
        src, sport = bytes.fromhex("20010db8") + rng.randbytes(12), rng.randrange(1024, 65536)
    pkt = ipv6_udp(src, service_address(k, 1), sport, 443, payload, i & 0xFFFFF)
    return DST_MAC + SRC_MAC + b"\x86\xdd" + pkt


def transit_frame(i):
    k = i % PREFIXES
    inner = ipv6_udp(client_address(i), service_address(k, 1),
                     10000 + i // PREFIXES, 443, 0, 0)
    segments = [service_address(k, 0xD6), ip6(END_SID)]  # SRH order: last segment first.
    srh = struct.pack("!BBBBBBH", 41, 2 * len(segments), 4, 1, 1, 0, 0) + b"".join(segments)
    body = srh + inner
    outer = struct.pack("!IHBB", (6 << 28) | (i & 0xFFFFF), len(body), 43, 64)
    outer += ip6("2001:db8:ff::1") + ip6(END_SID)
    return DST_MAC + SRC_MAC + b"\x86\xdd" + outer + body


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=["plain", "transit"])
    ap.add_argument("out")
    ap.add_argument("--flows", type=int, default=1024)
    ap.add_argument("--size", type=int, default=64, help="frame bytes without FCS (plain)")
    ap.add_argument("--random-sources", type=int, metavar="SEED",
                    help="random source addresses and ports (plain)")
    a = ap.parse_args()
    if a.size < 62:
        ap.error("--size: an IPv6/UDP frame has at least 62 bytes")
    if a.random_sources is not None and a.kind != "plain":
        ap.error("--random-sources: plain pcaps only")
    rng = random.Random(a.random_sources) if a.random_sources is not None else None
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(a.flows):
            frame = plain_frame(i, a.size, rng) if a.kind == "plain" else transit_frame(i)
            f.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(frame), len(frame)))
            f.write(frame)


if __name__ == "__main__":
    main()
