// Test helpers around mbufs and pcap files, shared by the stage and port
// tests. Test threads only.
#ifndef CPN_TESTS_DATAPLANE_STAGES_TEST_PACKETS_H_
#define CPN_TESTS_DATAPLANE_STAGES_TEST_PACKETS_H_

#include <rte_mbuf.h>

#include <string>
#include <vector>

#include "tests/dataplane/stages/packet_builder.h"

namespace cpn::testing {

// A pool whose mbufs carry PacketMeta in their private area (made once per
// binary with dataplane::CreatePacketPool). cpn::testing::TestPktPool() has
// no private area, so stage tests use it only to check the
// kNoMetadataRoom drop.
rte_mempool* MetaPktPool();

// A one-segment mbuf holding `bytes`, or nullptr (pool empty / too long).
rte_mbuf* ToMbuf(const Bytes& bytes, rte_mempool* pool = nullptr, uint16_t port = 0);
// The packet's bytes over all segments.
Bytes FromMbuf(const rte_mbuf* m);

// Classic pcap (microsecond, LINKTYPE_ETHERNET). Return false on I/O error.
bool WritePcap(const std::string& path, const std::vector<Bytes>& packets);
bool ReadPcap(const std::string& path, std::vector<Bytes>* packets);

// "0a1b..." for failure messages.
std::string Hex(const Bytes& b);

// A fresh path under $TMPDIR (or /tmp) unique to this process and call.
std::string TempPath(const std::string& stem);

}  // namespace cpn::testing

#endif  // CPN_TESTS_DATAPLANE_STAGES_TEST_PACKETS_H_
