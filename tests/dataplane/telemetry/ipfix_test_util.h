// Helpers of the IPFIX tests: wrap received IPFIX datagrams in
// Ethernet/IPv4/UDP frames and write them as a pcap, then decode that pcap
// with tshark's cflow dissector. Test threads only.
#ifndef CPN_TESTS_DATAPLANE_TELEMETRY_IPFIX_TEST_UTIL_H_
#define CPN_TESTS_DATAPLANE_TELEMETRY_IPFIX_TEST_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

namespace cpn::testing {

// Ethernet / IPv4 127.0.0.1 -> 127.0.0.1 / UDP 4739 -> `port` / `payload`.
std::vector<uint8_t> UdpFrame(uint16_t port, const std::vector<uint8_t>& payload);

// Writes `datagrams` to a fresh pcap and runs
//   tshark -r PCAP -d udp.port==PORT,cflow -T fields -E separator='|'
//          -E aggregator=';' -e F1 -e F2 ...
// returning one row per packet, split at '|'; the values of a field that
// occurs several times in one packet are joined by ';'.
std::vector<std::vector<std::string>> TsharkFields(
    const std::vector<std::vector<uint8_t>>& datagrams, uint16_t port,
    const std::vector<std::string>& fields, std::string* raw = nullptr);

}  // namespace cpn::testing

#endif  // CPN_TESTS_DATAPLANE_TELEMETRY_IPFIX_TEST_UTIL_H_
