#!/usr/bin/python3
"""Writes the state of one benchmark case as a WriteRequest in text format,
for `cpn-dpctl write` (new_version 0: written on top of what is installed).

  gen_state.py steer   routes + 64 SRv6 policies + 1,000 steering rules
  gen_state.py fib     routes only (plain IPv6 FIB forwarding)
  gen_state.py transit routes + the local End SID fc00:1::e

Ports come from the dataplane's command line: 1 = ingress, 2 = egress. Every
case routes the 1,000 service prefixes 2001:db8:<k>::/48 (k = 0..999, as
gen_pcap.py) and fc00::/16 (the policies' first segments) to neighbor fe80::2
on port 2. Rule k matches UDP to 2001:db8:<k>::/48 and spreads new flows 3:1
over policies k mod 64 and (k + 1) mod 64 (H.Encaps, two segments).
"""
import argparse
import sys

PREFIXES = 1000
POLICIES = 64
NEXT_HOP = 'next_hops { next_hops { port_id: 2 address: "fe80::2" } }'


def update(entity):
    return f"updates {{ type: UPDATE_TYPE_INSERT entity {{ {entity} }} }}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", choices=["steer", "fib", "transit"])
    ap.add_argument("--election-id", type=int, default=1)
    a = ap.parse_args()
    out = [f"# cpn-dpctl write: benchmark state '{a.case}' (scripts/bench/gen_state.py)",
           f"election_id {{ low: {a.election_id} }}"]
    out.append(update('neighbor { port_id: 2 address: "fe80::2" mac_address: "02:00:00:00:00:02" }'))
    for k in range(PREFIXES):
        out.append(update(f'route {{ table_id: 0 prefix: "2001:db8:{k:x}::/48" {NEXT_HOP} }}'))
    out.append(update(f'route {{ table_id: 0 prefix: "fc00::/16" {NEXT_HOP} }}'))
    if a.case == "transit":
        out.append(update('route { table_id: 0 prefix: "fc00:1::/32" local {} }'))
        out.append(update('local_sid { sid: "fc00:1::e" end {} description: "bench transit" }'))
    if a.case == "steer":
        for p in range(POLICIES):
            out.append(update(
                f'srv6_policy {{ id: {p + 1} source_address: "2001:db8:ff::1" '
                f'segments: "fc00:2:{p:x}::e" segments: "fc00:3:{p:x}::d6" '
                f'encap_mode: ENCAP_MODE_H_ENCAPS }}'))
        for k in range(PREFIXES):
            first, second = k % POLICIES + 1, (k + 1) % POLICIES + 1
            out.append(update(
                f'steering_rule {{ id: {k + 1} match {{ destination_prefix: "2001:db8:{k:x}::/48" '
                f'protocol: PROTOCOL_UDP }} weighted {{ '
                f'policies {{ policy_id: {first} weight: 3 }} '
                f'policies {{ policy_id: {second} weight: 1 }} }} }}'))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
