// Longest-prefix match from a prefix to a 32-bit value, one address family
// per object: Lpm6 on DPDK's rte_fib6 (TRIE), Lpm4 on rte_fib (DIR24_8). The
// FIB stores next-hop ids in them. (The steering classifier has its own
// prefix index, classifier.h: an rte_fib6 for thousands of /64 rules costs
// ~150 MiB and ~100 ms to build.)
//
// Why rte_fib6 rather than rte_lpm6: its next hops can be 2 bytes, so the
// 2^24-entry first level costs 32 MiB instead of rte_lpm6's 64 MiB (4-byte
// entries, 21-bit next hops); tbl8 groups are sized per table; it keeps a RIB
// of the installed prefixes; and its bulk lookup is the one DPDK vectorises
// (AVX-512 where the CPU has it, scalar trie walk here).
//
// UPDATES: none in place. A table is immutable once built: Build() creates a
// fresh DPDK FIB beside the live one and fills it, the caller publishes it
// (RcuPublished / TableSet) and the old one is destroyed after the grace
// period. (DPDK 22.11's rte_fib6 recycles tbl8 groups on delete with no RCU,
// so in-place deletes could hand a racing reader a reused group; and a
// rebuild is what makes a Write batch atomic.) Build sizes itself to the
// routes: next hops of 1 (IPv4 only), 2 or 4 bytes -- the smallest that holds
// the largest value and the tbl8 groups needed -- and exactly the tbl8 groups
// the routes can use.
//
// COST (measured in lpm_fib_test, printed): the first level dominates: 16/32/
// 64 MiB of DPDK memory for 1/2/4-byte next hops, written once per build and
// zeroed again by rte_free when the old table is reclaimed. 1,000 IPv6 /48
// routes: 6-10 ms to build, 8-16 ms to free, 33.9 MiB. Memory: live + one
// being built, for each table that changes in a batch; unchanged tables are
// shared, not rebuilt.
//
// THREADS: Build and the destructor on the control thread. Lookup and
// LookupBulk from any number of workers at once (read-only).
#ifndef CPN_DATAPLANE_TABLES_LPM_H_
#define CPN_DATAPLANE_TABLES_LPM_H_

#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_memory.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "dataplane/tables/ip_address.h"

namespace cpn::dataplane {

// Lookup result when no prefix matches.
inline constexpr uint32_t kLpmMiss = UINT32_MAX;
// Largest value a route may carry.
inline constexpr uint32_t kLpmMaxValue = (1u << 31) - 2;

struct LpmRoute {
  IpPrefix prefix;
  uint32_t value = 0;
};

class Lpm6 {
 public:
  // All routes must be IPv6 prefixes, canonical, unique, value <= kLpmMaxValue.
  static absl::StatusOr<std::unique_ptr<Lpm6>> Build(std::span<const LpmRoute> routes,
                                                     int socket_id = SOCKET_ID_ANY);
  ~Lpm6();
  Lpm6(const Lpm6&) = delete;
  Lpm6& operator=(const Lpm6&) = delete;

  // `addrs` holds n contiguous 16-byte addresses (network order);
  // values[i] is the value of the longest matching prefix, or kLpmMiss.
  void LookupBulk(const uint8_t (*addrs)[16], uint32_t* values, uint32_t n) const;
  uint32_t Lookup(const uint8_t (&addr)[16]) const;

  // Installed routes, sorted by prefix (for Read / reconciliation / rebuilds).
  const std::vector<LpmRoute>& routes() const { return routes_; }
  size_t memory_bytes() const { return memory_bytes_; }  // DPDK heap held.
  uint32_t next_hop_bytes() const { return nh_bytes_; }
  uint32_t tbl8_groups() const { return tbl8_groups_; }

 private:
  Lpm6() = default;
  rte_fib6* fib_ = nullptr;
  std::vector<LpmRoute> routes_;
  size_t memory_bytes_ = 0;
  uint32_t nh_bytes_ = 0;
  uint32_t tbl8_groups_ = 0;
};

class Lpm4 {
 public:
  // All routes must be IPv4 prefixes, canonical, unique, value <= kLpmMaxValue.
  static absl::StatusOr<std::unique_ptr<Lpm4>> Build(std::span<const LpmRoute> routes,
                                                     int socket_id = SOCKET_ID_ANY);
  ~Lpm4();
  Lpm4(const Lpm4&) = delete;
  Lpm4& operator=(const Lpm4&) = delete;

  // `addrs` are IPv4 addresses in HOST byte order (rte_fib's convention).
  void LookupBulk(const uint32_t* addrs, uint32_t* values, uint32_t n) const;
  uint32_t Lookup(uint32_t addr_host_order) const;

  const std::vector<LpmRoute>& routes() const { return routes_; }
  size_t memory_bytes() const { return memory_bytes_; }
  uint32_t next_hop_bytes() const { return nh_bytes_; }
  uint32_t tbl8_groups() const { return tbl8_groups_; }

 private:
  Lpm4() = default;
  rte_fib* fib_ = nullptr;
  std::vector<LpmRoute> routes_;
  size_t memory_bytes_ = 0;
  uint32_t nh_bytes_ = 0;
  uint32_t tbl8_groups_ = 0;
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_TABLES_LPM_H_
