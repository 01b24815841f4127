// Per-packet metadata carried from stage to stage.
//
// WHERE IT LIVES: in the mbuf's private area (rte_mbuf_to_priv), i.e. the
// bytes right after struct rte_mbuf, so it is one prefetch away from the mbuf
// and costs no lookup. The dynfield area was too small (36 bytes shared with
// PMDs; the FlowKey alone is 40) and udata64 no longer exists in DPDK 22.11.
// Every pool whose mbufs reach the stages must be created with
// priv_size >= kPacketMetaPrivSize -- use CreatePacketPool(). The parse stage
// checks m->priv_size and drops (kNoMetadataRoom) rather than scribble over
// the data room of a pool created without it.
//
// LAYOUT CONTRACT: after parse, an IP packet's data starts at its L3 header
// (parse strips the Ethernet/VLAN header; rewrite puts a fresh one back), and
// every offset below is relative to the L3 header. Stages that move the L3
// header (encap, decap) update the offsets they invalidate.
//
// Threading: written and read only by the worker lcore holding the mbuf.
#ifndef CPN_DATAPLANE_STAGES_PACKET_META_H_
#define CPN_DATAPLANE_STAGES_PACKET_META_H_

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_mbuf.h>
#if defined(__SSE4_2__)
#include <nmmintrin.h>
#endif

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "dataplane/common/flow_key.h"

namespace cpn::dataplane {

struct Srv6EncapPolicy;
struct LocalSidAction;

enum class L3Type : uint8_t { kNone = 0, kIpv4 = 4, kIpv6 = 6 };

// Bits of PacketMeta::flags.
enum MetaFlag : uint8_t {
  kMetaVlan = 1 << 0,          // Arrived with an 802.1Q tag (vlan_tci valid).
  kMetaSrh = 1 << 1,           // IPv6 with an SRH (srh_offset valid).
  kMetaFragment = 1 << 2,      // A fragment: ports are 0 in the FlowKey so every
                               // fragment of a datagram gets the same flow.
  kMetaPorts = 1 << 3,         // FlowKey ports came from a TCP/UDP header.
  kMetaHopLimitDone = 1 << 4,  // An SRv6 behaviour already decremented the hop
                               // limit; the FIB stage must not do it again.
  kMetaFlowCacheFill = 1 << 5,  // Steered by the full path with five-tuple
                                // affinity: the worker caches the decision
                                // (steer_rule, affinity_*) once the FIB
                                // resolves the encapsulated packet.
};

struct alignas(RTE_CACHE_LINE_MIN_SIZE) PacketMeta {
  // --- Written by parse (first cache line). ---
  FlowKey flow;            // 5-tuple; IPv4 as v4-mapped. Of the outer packet.
  uint32_t flow_hash;      // FlowHash(flow); reused by affinity and encap.
  uint32_t l3_len;         // Bytes from L3 header to end (== pkt_len after parse;
                           // 32 bits: IPv6 40 + 65535 does not fit 16).
  uint16_t l4_offset;      // Upper-layer header (TCP/UDP/ICMP, or the inner
                           // packet when l4_proto is 41/4), from L3.
  uint16_t srh_offset;     // SRH from L3, valid with kMetaSrh.
  uint16_t srh_nh_offset;  // Byte (from L3) holding the Next Header value
                           // that names the SRH: 6 (IPv6 header) or inside
                           // the preceding extension header. Used by PSP.
  uint16_t vlan_tci;       // Host order, valid with kMetaVlan.
  uint16_t in_port;        // m->port at parse time.
  L3Type l3_type;
  uint8_t l4_proto;  // Upper-layer protocol after the extension headers.
  uint8_t l2_len;    // Ethernet (+VLAN) bytes parse stripped.
  uint8_t flags;     // MetaFlag bits.

  // --- Decisions of later stages (second cache line). ---
  const Srv6EncapPolicy* encap_policy;  // Chosen by select; read by encap.
  const LocalSidAction* local_sid;      // Chosen by the local SID lookup; read by srv6.
  uint32_t next_hop;                    // Adjacency index for rewrite (End.X/DX*, fib).
  uint32_t fib_table;                   // Table for the next FIB lookup (End, End.DT6).
  // With kMetaFlowCacheFill (written by steer, read by the worker's FIB pass).
  uint32_t steer_rule;            // Rule slot.
  uint32_t affinity_position;     // The flow's affinity entry ...
  uint32_t affinity_incarnation;  // ... and its incarnation.
};

// Private-area bytes a pool needs (rounded to RTE_MBUF_PRIV_ALIGN).
inline constexpr uint16_t kPacketMetaPrivSize =
    static_cast<uint16_t>(RTE_ALIGN_CEIL(sizeof(PacketMeta), RTE_MBUF_PRIV_ALIGN));

inline PacketMeta* Meta(rte_mbuf* m) { return static_cast<PacketMeta*>(rte_mbuf_to_priv(m)); }

inline bool HasMetaRoom(const rte_mbuf* m) { return m->priv_size >= sizeof(PacketMeta); }

// Seed of the flow hash. The affinity table can hash with the same function
// (rte_hash with hash_func = rte_hash_crc, hash_func_init_val = kFlowHashSeed)
// and use rte_hash_lookup_with_hash(meta->flow_hash) to skip rehashing.
inline constexpr uint32_t kFlowHashSeed = 0x43504e31;  // "CPN1"

inline uint32_t FlowHash(const FlowKey& key) {
  return rte_hash_crc(&key, sizeof(key), kFlowHashSeed);
}

// A FlowKey as the five 8-byte words rte_hash_crc reads (in memory order,
// little-endian: the last word is src_port | dst_port << 16 |
// protocol << 32 | is_ipv4 << 40). FlowHashWords(w) == FlowHash(key) when
// the key's bytes are w. Parse hashes the words it holds in registers rather
// than reloading the key it has just stored: a load that spans several
// smaller stores (ports, protocol, flags) cannot be forwarded from the store
// buffer and stalls until they reach the cache (a profile of the issue-5
// bench put ~40% of the parse stage's samples on that one load).
using FlowKeyWords = uint64_t[5];
static_assert(sizeof(FlowKeyWords) == sizeof(FlowKey));
static_assert(RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN, "FlowKeyWords packs fields little-endian");

inline uint64_t FlowKeyTailWord(uint16_t src_port, uint16_t dst_port, uint8_t protocol,
                                bool is_ipv4) {
  return uint64_t{src_port} | uint64_t{dst_port} << 16 | uint64_t{protocol} << 32 |
         uint64_t{is_ipv4} << 40;
}

inline uint32_t FlowHashWords(const FlowKeyWords& w) {
#if defined(__SSE4_2__)
  // The instruction rte_hash_crc_8byte uses on this CPU, without its test
  // of the algorithm chosen at run time (a load and a branch a word).
  uint64_t h = kFlowHashSeed;
  for (uint64_t word : w) h = _mm_crc32_u64(h, word);
  return static_cast<uint32_t>(h);
#else
  uint32_t h = kFlowHashSeed;
  for (uint64_t word : w) h = rte_hash_crc_8byte(word, h);
  return h;
#endif
}

// Creates a packet mbuf pool whose private area holds a PacketMeta.
// Control thread only. `name` must be unique in the process.
absl::StatusOr<rte_mempool*> CreatePacketPool(const char* name, unsigned n_mbufs,
                                              int socket_id = SOCKET_ID_ANY,
                                              uint16_t data_room = RTE_MBUF_DEFAULT_BUF_SIZE);

// Memory CreatePacketPool needs for `n_mbufs` on a heap of its own (the
// objects, the pool's ring and header, with room for the heap's own
// bookkeeping): what to size a HugePageArena for.
size_t PacketPoolBytes(unsigned n_mbufs, uint16_t data_room = RTE_MBUF_DEFAULT_BUF_SIZE);

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_STAGES_PACKET_META_H_
