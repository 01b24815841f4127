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
//     affinity, a FIB result that transmits (not a local SID pass).
//
// SHAPE: two-way set associative. The flow hash (parse's CRC32) picks a set
// of two 64 B entries, one line each; a new flow goes into way 0 and moves
// way 0's flow to way 1, whose flow is forgotten. Two flows that share a
// set both stay cached: direct mapped, two colliding flows replaced each
// other on every packet and both took the full path. With 1,024 random
// flows in 8,192 entries, 9.8 % of packets missed direct mapped and 1.7 %
// two-way (scripts/bench case steer-1k-random). Clear() is O(1): entries carry the epoch they were written in,
// and only the current epoch matches.
//
// THREADS: the owning worker only (no synchronisation at all).
#ifndef CPN_DATAPLANE_TABLES_FLOW_CACHE_H_
#define CPN_DATAPLANE_TABLES_FLOW_CACHE_H_

#include <cstdint>
#include <cstring>
#include <memory>
#if defined(__SSE4_1__)
#include <smmintrin.h>
#endif

#include "absl/status/statusor.h"
#include "dataplane/common/flow_key.h"

namespace cpn::dataplane {

struct FlowCacheValue {
  uint32_t rule = 0;      // Rule slot (its counters).
  uint32_t policy = 0;    // Policy slot (encapsulation, counters).
  uint32_t next_hop = 0;  // Adjacency of the encapsulated packet.
  // The flow's affinity entry, and its incarnation when the flow was cached.
  uint32_t affinity_position = 0;
  uint32_t affinity_incarnation = 0;
};

class FlowCache {
 public:
  // `entries`: a power of two in [2, 2^24] (entries / 2 sets of two).
  static absl::StatusOr<std::unique_ptr<FlowCache>> Create(uint32_t entries);

  uint32_t entries() const { return 2 * (set_mask_ + 1); }

  // Starts the loads of `hash`'s set (both ways: a hit in way 1 is as
  // common as a collision).
  void Prefetch(uint32_t hash) const {
    const Entry* set = Set(hash);
    __builtin_prefetch(set);
    __builtin_prefetch(set + 1);
  }

  // The value cached for `key` (whose flow hash is `hash`), or null.
  const FlowCacheValue* Find(const FlowKey& key, uint32_t hash) const {
    const Entry* set = Set(hash);
    if (Holds(set[0], key)) return &set[0].value;
    if (Holds(set[1], key)) return &set[1].value;
    return nullptr;
  }

  // Caches `value` for `key` in way 0, moving way 0's live entry to way 1
  // (whose entry is forgotten). Inserting a key that is cached already
  // leaves a stale copy in way 1 at worst: Find reads way 0 first, and way
  // 1 always holds the older entry, so the copy is never found before the
  // next insert of the set overwrites it.
  void Insert(const FlowKey& key, uint32_t hash, const FlowCacheValue& value) {
    Entry* set = Set(hash);
    if (set[0].epoch == epoch_) set[1] = set[0];
    set[0].key = key;
    set[0].epoch = epoch_;
    set[0].value = value;
  }

  // Forgets every entry.
  void Clear();

 private:
  struct alignas(64) Entry {
    FlowKey key;
    uint32_t epoch;  // 0: never written.
    FlowCacheValue value;
  };
  static_assert(sizeof(Entry) == 64);

  explicit FlowCache(uint32_t entries);

  Entry* Set(uint32_t hash) const { return &entries_[2 * (hash & set_mask_)]; }
  bool Holds(const Entry& e, const FlowKey& key) const {
    return e.epoch == epoch_ && SameKey(e.key, key);
  }

  // Every hit compares the 40 bytes (FlowKey's padding is zero): two 16-byte
  // and one 8-byte compare, no call (five word compares compiled to copies
  // through the stack, ~25 instructions).
  static bool SameKey(const FlowKey& a, const FlowKey& b) {
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

  std::unique_ptr<Entry[]> entries_;  // Set i is entries_[2i], entries_[2i + 1].
  const uint32_t set_mask_;
  uint32_t epoch_ = 1;
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_TABLES_FLOW_CACHE_H_
