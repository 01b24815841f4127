// fib: IPv6 / IPv4 longest-prefix match in the FIB table meta.fib_table, for
// packets whose data starts at the L3 header.
//
//   forward   picks one ECMP member by a flow hash (outer addresses + flow
//             label, plus the transport ports when parse saw them), sets
//             meta.next_hop (an adjacency id) -> kTx. Decrements the hop
//             limit / TTL (with an incremental IPv4 checksum update, RFC
//             1624) unless an earlier stage owns it (kMetaHopLimitDone);
//             <= 1 drops as HOP_LIMIT_EXPIRED.
//   local     IPv6 -> kLocal (the worker looks the DA up among the local
//             SIDs again: End whose next SID is ours); IPv4 -> dropped
//             (LOCAL_DELIVERY: no host stack).
//   blackhole -> dropped (BLACKHOLE);  miss -> dropped (NO_ROUTE).
//
// THREADS: stateless; any number of workers share one FibStage (each passes
// its own route cache).
#ifndef CPN_DATAPLANE_PIPELINE_FIB_STAGE_H_
#define CPN_DATAPLANE_PIPELINE_FIB_STAGE_H_

#include <rte_mbuf.h>

#include <cstdint>

#include "dataplane/pipeline/forwarding_state.h"
#include "dataplane/pipeline/worker_counters.h"
#include "dataplane/stages/burst.h"
#include "dataplane/tables/lpm.h"
#include "dataplane/tables/route_cache.h"

namespace cpn::dataplane {

enum class FibVerdict : uint8_t { kTx = 0, kLocal, kDropped };

// The worker runs the FIB in two steps so that it can fuse the second with
// rewrite and tx in one per-packet loop: Lookup* the whole burst (table 0
// in bulk), then Resolve each packet.
class FibStage {
 public:
  // values[i] = the route slot of pkts[i] in its meta.fib_table (kLpmMiss
  // when none). n <= kMaxBurst. With `cache` (the calling worker's, holding
  // nothing older than `s`), table 0's answers come from it when it has
  // them and go into it when it has not.
  // Returns how the table-0 packets were answered (the route cache's
  // counters).
  struct MainTableLookups {
    uint16_t cached = 0;  // By `cache`.
    uint16_t trie = 0;    // By the FIB itself.
  };
  MainTableLookups LookupIpv6(const ForwardingState& s, rte_mbuf* const* pkts, uint16_t n,
                              uint32_t* values, RouteCache6* cache = nullptr) const;
  void LookupIpv4(const ForwardingState& s, rte_mbuf* const* pkts, uint16_t n,
                  uint32_t* values) const;

  // What to do with a looked-up packet (`value` from Lookup*): kTx with
  // meta.next_hop set and the hop limit / TTL done, kLocal (IPv6 only), or
  // kDropped (already on `dropped`, counted).
  static FibVerdict Resolve(const ForwardingState& s, rte_mbuf* m, uint32_t value, bool v6,
                            PipelineDropList& dropped);
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_PIPELINE_FIB_STAGE_H_
