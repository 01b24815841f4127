// HugePageArena: a DPDK malloc heap on anonymous memory that the kernel
// backs with transparent huge pages (2 MiB), for the packet pool when EAL
// runs without hugetlbfs (--no-huge).
//
// Why: --no-huge gives EAL memory in 4 KiB pages. The fast path touches a
// packet's mbuf, its data and the replayed frame it copies from, each on
// its own page, so nearly every packet misses the TLB; which physical pages
// the pool lands on also changes from run to run which packets collide in
// the caches. Backed by 2 MiB pages the same pool costs a handful of TLB
// entries (docs/dataplane.md, "Packet memory": +27-31 % throughput on the
// benchmark's cases, and the run-to-run spread gone).
//
// The memory is mapped private and anonymous, marked MADV_HUGEPAGE (which
// is all /sys/kernel/mm/transparent_hugepage/enabled = madvise needs), faulted
// in at once, and added to DPDK as an external heap (rte_malloc_heap_*):
// rte_malloc, memzones and mempools use it when given socket_id(). It has
// no IOVA: only for vdevs (net_pcap, net_ring, net_null, net_memif,
// net_af_packet), never for a NIC's DMA (use hugepages, --huge, there).
//
// Control thread only, after EAL has started. Everything allocated in the
// arena must be freed before it is destroyed.
#ifndef CPN_DATAPLANE_PORTS_HUGE_PAGE_ARENA_H_
#define CPN_DATAPLANE_PORTS_HUGE_PAGE_ARENA_H_

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace cpn::dataplane {

class HugePageArena {
 public:
  static constexpr size_t kPageBytes = size_t{2} << 20;

  // Maps `bytes` (> 0, rounded up to whole 2 MiB pages) and adds them as
  // DPDK heap `name` (unique in the process). Errors name the call that
  // failed: the mapping, or DPDK's heap.
  static absl::StatusOr<std::unique_ptr<HugePageArena>> Create(const std::string& name,
                                                               size_t bytes);
  // Removes the memory from DPDK and unmaps it. If DPDK refuses (something
  // is still allocated in it) the mapping is left in place: a leak, never a
  // use after unmap.
  ~HugePageArena();
  HugePageArena(const HugePageArena&) = delete;
  HugePageArena& operator=(const HugePageArena&) = delete;

  // The socket id that selects this heap (rte_malloc_socket,
  // rte_pktmbuf_pool_create, CreatePacketPool).
  int socket_id() const { return socket_id_; }
  size_t bytes() const { return bytes_; }
  // How much of it the kernel backed with huge pages when it was faulted
  // in (AnonHugePages of the mapping in /proc/self/smaps); 0 when
  // transparent huge pages are off ("never") or none was free.
  size_t huge_bytes() const { return huge_bytes_; }
  bool Contains(const void* p) const;

 private:
  HugePageArena(std::string name, char* base, size_t bytes)
      : name_(std::move(name)), base_(base), bytes_(bytes) {}

  std::string name_;
  char* base_;  // 2 MiB aligned; the whole mapping
  size_t bytes_;
  int socket_id_ = -1;
  size_t huge_bytes_ = 0;
  bool in_dpdk_ = false;
};

// AnonHugePages, in bytes, of the mapping that starts at `start` in a
// /proc/<pid>/smaps text; 0 if the mapping is not listed. Pure; exposed for
// tests.
size_t AnonHugeBytesOfMapping(const std::string& smaps, const void* start);

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_PORTS_HUGE_PAGE_ARENA_H_
