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
// SHAPE: direct mapped by the flow hash (parse's CRC32), one 64 B line an
// entry; a colliding flow replaces the entry. Clear() is O(1): entries carry
// the epoch they were written in, and only the current epoch matches.
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
  // `entries`: a power of two in [2, 2^24].
  static absl::StatusOr<std::unique_ptr<FlowCache>> Create(uint32_t entries);

  uint32_t entries() const { return mask_ + 1; }

  // Starts the load of `hash`'s entry.
  void Prefetch(uint32_t hash) const { __builtin_prefetch(&entries_[hash & mask_]); }

  // The value cached for `key` (whose flow hash is `hash`), or null.
  const FlowCacheValue* Find(const FlowKey& key, uint32_t hash) const {
    const Entry& e = entries_[hash & mask_];
    if (e.epoch != epoch_ || !SameKey(e.key, key)) return nullptr;
    return &e.value;
  }

  void Insert(const FlowKey& key, uint32_t hash, const FlowCacheValue& value) {
    Entry& e = entries_[hash & mask_];
    e.key = key;
    e.epoch = epoch_;
    e.value = value;
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

  std::unique_ptr<Entry[]> entries_;
  const uint32_t mask_;
  uint32_t epoch_ = 1;
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_TABLES_FLOW_CACHE_H_
