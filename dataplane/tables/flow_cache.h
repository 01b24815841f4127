// Exact-match cache of steering decisions, one per worker (the idea of Open
// vSwitch's exact match cache in front of its classifier): flow 5-tuple ->
// everything the steering path decided for the flow's last packet (rule,
// policy, the encapsulated packet's next hop, the flow's affinity entry).
// An established flow's packet then costs one lookup here instead of the
// classifier, the affinity hash, the selector and the FIB.
//
// CORRECTNESS rests on three things, all checked by the owner:
//   - the decisions are functions of the forwarding state, so the worker
//     calls Clear() whenever it sees another published state
//     (ForwardingState::publication): an entry never outlives its state;
//   - the affinity entry is still the one the flow was pinned with
//     (AffinityTable::Touch with the cached position and incarnation; an
//     expired, deleted, evicted or re-pinned entry is a miss, and the
//     packet takes the full path, which decides as it would have without
//     the cache);
//   - only decisions that depend on nothing else are inserted: five-tuple
//     affinity, a FIB result that transmits (not a local SID pass) over an
//     adjacency that is resolved and on a port that is up, so a hit is
//     checked against its port's MTU alone (Worker::TransmitCached).
//
// SHAPE: a TwoWayCache (two_way_cache.h) of 64 B entries, one line each,
// indexed by the flow hash (parse's CRC32).
//
// THREADS: the owning worker only (no synchronisation at all).
#ifndef CPN_DATAPLANE_TABLES_FLOW_CACHE_H_
#define CPN_DATAPLANE_TABLES_FLOW_CACHE_H_

#include <cstdint>
#include <cstring>
#if defined(__SSE4_1__)
#include <smmintrin.h>
#endif

#include "dataplane/common/flow_key.h"
#include "dataplane/tables/two_way_cache.h"

namespace cpn::dataplane {

struct FlowCacheValue {
  uint32_t rule = 0;      // Rule slot (its counters).
  uint32_t policy = 0;    // Policy slot (encapsulation, counters).
  uint32_t next_hop = 0;  // Adjacency of the encapsulated packet.
  // The flow's affinity entry, and its incarnation when the flow was cached.
  uint32_t affinity_position = 0;
  uint32_t affinity_incarnation = 0;
};

// Compares the 40 bytes of two keys (FlowKey's padding is zero) in two
// 16-byte and one 8-byte compare, no call (five word compares compiled to
// copies through the stack, ~25 instructions).
struct FlowKeyOps {
  static bool Same(const FlowKey& a, const FlowKey& b) {
    static_assert(sizeof(FlowKey) == 40);
    const auto* pa = reinterpret_cast<const uint8_t*>(&a);
    const auto* pb = reinterpret_cast<const uint8_t*>(&b);
    uint64_t ta, tb;
    std::memcpy(&ta, pa + 32, sizeof(ta));
    std::memcpy(&tb, pb + 32, sizeof(tb));
#if defined(__SSE4_1__)
    const __m128i d0 = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(pa)),
                                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(pb)));
    const __m128i d1 = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(pa + 16)),
                                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(pb + 16)));
    const __m128i d = _mm_or_si128(d0, d1);
    return _mm_testz_si128(d, d) != 0 && ta == tb;
#else
    uint64_t wa[4], wb[4];
    std::memcpy(wa, pa, sizeof(wa));
    std::memcpy(wb, pb, sizeof(wb));
    return ((wa[0] ^ wb[0]) | (wa[1] ^ wb[1]) | (wa[2] ^ wb[2]) | (wa[3] ^ wb[3]) | (ta ^ tb)) == 0;
#endif
  }
};

// 40 B key + epoch + 20 B value: one 64 B line an entry.
using FlowCache = TwoWayCache<FlowKey, FlowCacheValue, FlowKeyOps, 64>;

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_TABLES_FLOW_CACHE_H_
