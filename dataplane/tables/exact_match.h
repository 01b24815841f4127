// Exact match on a 16-byte key (an IPv6 address or SID) to a dense position,
// on an immutable rte_hash. The building block of LocalSidTable and
// NeighborTable, which keep their values in an array indexed by position.
//
// Immutable once built, so the hash is created without any concurrency flag:
// with no writer, any number of readers may look up at once, lock-free.
//
// THREADS: Build and the destructor on the control thread; lookups from any
// number of workers at once.
#ifndef CPN_DATAPLANE_TABLES_EXACT_MATCH_H_
#define CPN_DATAPLANE_TABLES_EXACT_MATCH_H_

#include <rte_hash.h>
#include <rte_memory.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "dataplane/tables/ip_address.h"

namespace cpn::dataplane {

class Exact16Index {
 public:
  // Largest n for LookupBulk.
  static constexpr uint32_t kMaxBulk = RTE_HASH_LOOKUP_BULK_MAX;

  // Keys must be unique (`what` names them in the error, e.g. "local SID").
  // positions[i] receives the position of keys[i], in [0, capacity()).
  static absl::StatusOr<std::unique_ptr<Exact16Index>> Build(std::span<const IpAddress> keys,
                                                             const char* what,
                                                             std::vector<int32_t>& positions,
                                                             int socket_id = SOCKET_ID_ANY);
  ~Exact16Index();
  Exact16Index(const Exact16Index&) = delete;
  Exact16Index& operator=(const Exact16Index&) = delete;

  // Position of `key`, or -1.
  int32_t Lookup(const uint8_t* key) const {
    if (hash_ == nullptr) return -1;
    alignas(16) uint8_t k[16];  // rte_hash_crc loads 8 bytes at a time.
    std::memcpy(k, key, 16);
    const int32_t pos = rte_hash_lookup(hash_, k);
    return pos < 0 ? -1 : pos;
  }
  // With at most kLinearMax keys (linear()): which of the keys Build was
  // given `key` (16 bytes, any alignment) is, by comparing it with each, two
  // words at a time, no hash; -1 when absent. LookupBulk maps it to the
  // position; a caller keeping its values by that index (LocalSidTable)
  // skips the position per packet.
  bool linear() const { return small_count_ != 0; }
  int32_t LinearIndex(const uint8_t* key) const {
    uint64_t w0, w1;
    std::memcpy(&w0, key, 8);
    std::memcpy(&w1, key + 8, 8);
    for (uint32_t k = 0; k < small_count_; ++k) {
      if (small_[k].w0 == w0 && small_[k].w1 == w1) return static_cast<int32_t>(k);
    }
    return -1;
  }
  // keys[i] points at 16 bytes, any alignment (SIDs are read in place from
  // packet headers); positions[i] = position or -1. n <= kMaxBulk.
  // Returns a bit mask of hits. Up to kLinearMax keys (a router's handful of
  // SIDs) it compares each key with every entry: two word compares each,
  // no hash (rte_hash's CRC and bucket walk cost a transit worker ~6 %).
  uint64_t LookupBulk(const uint8_t* const keys[], uint32_t n, int32_t* positions) const;

  static constexpr uint32_t kLinearMax = 8;

  uint32_t capacity() const { return capacity_; }
  size_t memory_bytes() const { return memory_bytes_; }

 private:
  Exact16Index() = default;
  rte_hash* hash_ = nullptr;  // nullptr when built from no keys.
  // With at most kLinearMax keys: the keys as two words, and their rte_hash
  // positions (the same answers; LookupBulk reads these instead).
  struct SmallKey {
    uint64_t w0, w1;
    int32_t position;
  };
  std::array<SmallKey, kLinearMax> small_{};
  uint32_t small_count_ = 0;
  uint32_t capacity_ = 0;
  size_t memory_bytes_ = 0;
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_TABLES_EXACT_MATCH_H_
