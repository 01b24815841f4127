// Bursts and named output edges shared by every stage.
//
// A stage's ProcessBurst takes up to kMaxBurst packets and appends each one
// to exactly one output edge of an EdgeBuffers<Edge> owned by the caller (the
// worker loop), or drops it (freed in bulk, counted by DropReason). Edges are
// a per-stage `enum class` ending in `kCount`, so an edge is a name in code and
// an array index at run time (BESS "gates").
//
// Ownership: an mbuf pushed to an edge belongs to whoever drains the edge. The
// worker loop calls Clear() before handing a buffer to a stage again.
// Threading: one EdgeBuffers per worker lcore; no synchronisation inside.
#ifndef CPN_DATAPLANE_STAGES_BURST_H_
#define CPN_DATAPLANE_STAGES_BURST_H_

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include <cstddef>
#include <cstdint>

namespace cpn::dataplane {

// The largest burst a stage accepts. Workers poll 32 at a time; 64 leaves room
// for a stage that merges two inputs without a second pass.
inline constexpr uint16_t kMaxBurst = 64;

// How many packets ahead the stages prefetch. Three is enough to cover one
// DRAM miss at ~20-40 ns per packet of work and small enough not to evict.
inline constexpr uint16_t kPrefetchAhead = 3;

// Prefetch a line we are about to write (rte_prefetch0_write is still
// experimental in DPDK 22.11, so use the builtin it wraps).
inline void PrefetchForWrite(const void* p) { __builtin_prefetch(p, 1, 3); }

// A flat burst of packets (one edge's contents).
struct Burst {
  uint16_t n = 0;
  rte_mbuf* pkts[kMaxBurst];

  bool Full() const { return n == kMaxBurst; }
  void Clear() { n = 0; }
};

template <typename Edge>
class EdgeBuffers {
 public:
  static constexpr size_t kEdges = static_cast<size_t>(Edge::kCount);

  EdgeBuffers() { Clear(); }

  void Clear() {
    for (auto& b : bursts_) b.n = 0;
  }

  // Appends `m` to `edge`. Returns false (and does not take `m`) when the edge
  // already holds kMaxBurst packets; stages then drop the packet and count
  // DropReason::kEdgeOverflow, which only happens if a caller broke the
  // "n <= kMaxBurst per ProcessBurst between Clear()s" contract.
  bool Push(Edge edge, rte_mbuf* m) {
    Burst& b = bursts_[static_cast<size_t>(edge)];
    if (unlikely(b.n == kMaxBurst)) return false;
    b.pkts[b.n++] = m;
    return true;
  }

  Burst& operator[](Edge edge) { return bursts_[static_cast<size_t>(edge)]; }
  const Burst& operator[](Edge edge) const { return bursts_[static_cast<size_t>(edge)]; }

  // Frees every packet still held by any edge (shutdown and tests).
  void FreeAll() {
    for (auto& b : bursts_) {
      rte_pktmbuf_free_bulk(b.pkts, b.n);
      b.n = 0;
    }
  }

 private:
  Burst bursts_[kEdges];
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_STAGES_BURST_H_
