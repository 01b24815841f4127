// A worker's exact-match cache in front of a slower lookup (the flow cache
// in front of steering, the route cache in front of the IPv6 FIB):
// key -> value, two-way set associative, O(1) Clear().
//
// SHAPE: the key's hash picks a set of two entries; a new key goes into way
// 0 and moves way 0's entry to way 1, whose entry is forgotten. So two keys
// that share a set both stay cached (direct mapped, two colliding flows
// replaced each other on every packet: with 1,024 random flows in 8,192
// entries, 9.8 % of packets missed direct mapped and 1.7 % two-way,
// scripts/bench case steer-1k-random). Entries carry the epoch they were
// written in and only the current epoch matches, so Clear() is a counter
// increment (a full wipe once every 2^32 - 1 clears).
//
// Inserting a key that is cached already leaves a stale copy in way 1 at
// worst: Find reads way 0 first, and way 1 always holds the older entry, so
// the copy is never found before the next insert of the set overwrites it.
//
// `KeyOps` gives `static bool Same(const Key&, const Key&)`; Key and Value
// are trivially copyable. An entry is aligned to `kEntryAlign` bytes: 64
// for the flow cache (one line an entry), 32 for the route cache (a set is
// one line).
//
// THREADS: the owning worker only (no synchronisation at all). Its owner
// clears it whenever what the values were computed from changes.
#ifndef CPN_DATAPLANE_TABLES_TWO_WAY_CACHE_H_
#define CPN_DATAPLANE_TABLES_TWO_WAY_CACHE_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace cpn::dataplane {

// The sizes a TwoWayCache takes: a power of two in [2, 2^24].
inline bool IsTwoWayCacheSize(uint32_t entries) {
  return entries >= 2 && entries <= (1u << 24) && (entries & (entries - 1)) == 0;
}

template <typename Key, typename Value, typename KeyOps, size_t kEntryAlign>
class TwoWayCache {
  static_assert(std::is_trivially_copyable_v<Key> && std::is_trivially_copyable_v<Value>);

 public:
  // `entries`: a power of two in [2, 2^24] (entries / 2 sets of two).
  static absl::StatusOr<std::unique_ptr<TwoWayCache>> Create(uint32_t entries) {
    if (!IsTwoWayCacheSize(entries)) {
      return absl::InvalidArgumentError(
          absl::StrCat("cache size ", entries, " is not a power of two in [2, 2^24]"));
    }
    return std::unique_ptr<TwoWayCache>(new TwoWayCache(entries));
  }

  uint32_t entries() const { return 2 * (set_mask_ + 1); }

  // Starts the loads of `hash`'s set (both ways: a hit in way 1 is as
  // common as a collision).
  void Prefetch(uint32_t hash) const {
    const Entry* set = Set(hash);
    __builtin_prefetch(set);
    if constexpr (sizeof(Ways) > 64) __builtin_prefetch(set + 1);
  }

  // The value cached for `key` (whose hash is `hash`), or null.
  const Value* Find(const Key& key, uint32_t hash) const {
    const Entry* set = Set(hash);
    if (Holds(set[0], key)) return &set[0].value;
    if (Holds(set[1], key)) return &set[1].value;
    return nullptr;
  }

  // Caches `value` for `key` in way 0, moving way 0's live entry to way 1.
  void Insert(const Key& key, uint32_t hash, const Value& value) {
    Entry* set = Set(hash);
    if (set[0].epoch == epoch_) set[1] = set[0];
    set[0].key = key;
    set[0].epoch = epoch_;
    set[0].value = value;
  }

  // Forgets every entry.
  void Clear() {
    if (++epoch_ != 0) return;
    // Wrapped (after 2^32 - 1 clears): entries of epoch 1 could match again.
    std::fill_n(sets_.get(), set_mask_ + 1, Ways{});
    epoch_ = 1;
  }

 private:
  struct alignas(kEntryAlign) Entry {
    Key key{};
    uint32_t epoch = 0;  // 0: never written.
    Value value{};
  };
  static_assert(sizeof(Entry) == kEntryAlign, "an entry fills its alignment exactly");
  // A set starts a cache line (so the route cache's set is one line).
  struct alignas(64) Ways {
    Entry way[2];
  };

  explicit TwoWayCache(uint32_t entries)
      : sets_(new Ways[entries / 2]()), set_mask_(entries / 2 - 1) {}

  Entry* Set(uint32_t hash) const { return sets_[hash & set_mask_].way; }
  bool Holds(const Entry& e, const Key& key) const {
    return e.epoch == epoch_ && KeyOps::Same(e.key, key);
  }

  std::unique_ptr<Ways[]> sets_;
  const uint32_t set_mask_;
  uint32_t epoch_ = 1;
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_TABLES_TWO_WAY_CACHE_H_
