// A worker's cache of IPv6 FIB answers in the main table (table 0):
// destination address -> route slot (or kLpmMiss). In an SRv6 network a
// transit router's destinations are SIDs, a few hundred at most (the nodes'
// locators), so nearly every packet hits, and a hit (two CRC32 steps and a
// 16-byte compare, ~15 instructions) replaces the trie walk of rte_fib6
// (~50 for a /48).
//
// CORRECTNESS: an answer is a function of the forwarding state alone, so
// the worker calls Clear() whenever it sees another published state, as it
// does for the flow cache. A miss costs one probe more than no cache.
//
// SHAPE: a TwoWayCache (two_way_cache.h) of 32 B entries, a set one line.
//
// THREADS: the owning worker only.
#ifndef CPN_DATAPLANE_TABLES_ROUTE_CACHE_H_
#define CPN_DATAPLANE_TABLES_ROUTE_CACHE_H_

#include <cstdint>
#include <cstring>
#if defined(__SSE4_2__)
#include <nmmintrin.h>
#else
#include <rte_hash_crc.h>
#endif

#include "dataplane/tables/two_way_cache.h"

namespace cpn::dataplane {

// An IPv6 address as the two 8-byte words it lies in memory as.
struct Ipv6Key {
  uint64_t word[2] = {0, 0};

  static Ipv6Key Of(const uint8_t* address) {
    Ipv6Key k;
    std::memcpy(k.word, address, 16);
    return k;
  }
};

struct Ipv6KeyOps {
  static bool Same(const Ipv6Key& a, const Ipv6Key& b) {
    return ((a.word[0] ^ b.word[0]) | (a.word[1] ^ b.word[1])) == 0;
  }
};

inline uint32_t RouteCacheHash(const Ipv6Key& k) {
  constexpr uint32_t kSeed = 0x43504e36;  // "CPN6"
#if defined(__SSE4_2__)
  return static_cast<uint32_t>(_mm_crc32_u64(_mm_crc32_u64(kSeed, k.word[0]), k.word[1]));
#else
  return rte_hash_crc_8byte(k.word[1], rte_hash_crc_8byte(k.word[0], kSeed));
#endif
}

// 16 B key + epoch + 4 B route slot: 32 B an entry.
using RouteCache6 = TwoWayCache<Ipv6Key, uint32_t, Ipv6KeyOps, 32>;

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_TABLES_ROUTE_CACHE_H_
