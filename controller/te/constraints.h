// Constraints of a path search, and the order in which paths are ranked.
//
// Every search in controller/te (CSPF, k shortest paths, disjoint paths, the
// candidate cache) ranks paths by one total order, the PathKey:
//   1. one-way propagation delay (the sum of the arcs' delay_us),
//   2. then fewer hops (fewer SIDs in the segment list, less to go wrong),
//   3. then the arc sequence, lexicographically by ArcIndex.
// Because the order is total, "the k best paths" is a set defined by the
// network alone, not by the algorithm that found it: CSPF, Yen and the
// incremental cache agree exactly, and tests can compare with brute force.
// Positive hop costs also keep every arc cost > 0 even for 0 us links, so
// shortest-path DAGs have no zero-cost cycles.
//
// Pure value types and functions; safe from any thread.
#ifndef CPN_CONTROLLER_TE_CONSTRAINTS_H_
#define CPN_CONTROLLER_TE_CONSTRAINTS_H_

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "controller/model/index.h"
#include "controller/model/network_model.h"
#include "controller/te/path.h"

namespace cpn::te {

// "No latency bound" for PathConstraints::max_delay_us.
inline constexpr uint64_t kNoDelayBound = std::numeric_limits<uint64_t>::max();
// Delay reported for a pair with no usable path at all.
inline constexpr uint64_t kUnreachableDelay = std::numeric_limits<uint64_t>::max();

// Arcs slower than this (about 12.7 days) are never used: path keys pack the
// delay and the hop count into one 64-bit number (see PathKey).
inline constexpr uint64_t kMaxArcDelayUs = (uint64_t{1} << 40) - 1;

struct PathConstraints {
  // Every arc of the path must have at least this much bandwidth available
  // (bits/s). 0: no bandwidth constraint.
  uint64_t min_bandwidth_bps = 0;
  // Bandwidth available on each arc (num_arcs() entries, by ArcIndex), e.g.
  // capacity minus what is already reserved. Empty: the arcs' capacities.
  // Not owned: must outlive the call that uses these constraints.
  std::span<const uint64_t> available_bps;
  // Links, routers and SRLG ids (Link::srlg_ids values) the path must avoid.
  // Excluding the source or the target router gives NOT_FOUND.
  std::vector<model::LinkIndex> excluded_links;
  std::vector<model::RouterIndex> excluded_routers;
  std::vector<uint32_t> excluded_srlg_ids;
  // Upper bound on the path's one-way delay, microseconds (inclusive).
  uint64_t max_delay_us = kNoDelayBound;
};

// The one-way delay bound (us) that a round-trip latency bound (ms) allows:
// a service's latency_bound_ms is a round-trip budget, and the propagation
// part of a round trip over a path is 2 x its one-way delay (requests and
// responses take the same links back). A path fits iff
// 2 * delay_us <= rtt_bound_ms * 1000. 0 or less means "no bound"
// (Service::latency_bound_ms) and gives kNoDelayBound.
uint64_t OneWayDelayBoundUs(double rtt_bound_ms);

// --- Path ranking --------------------------------------------------------

// Number of low bits of a PathKey holding the hop count.
inline constexpr int kHopBits = 20;
// The packed key of a path: (delay_us << kHopBits) + hops. Comparing keys
// compares (delay, hops). Exact while hops < 2^20 and the delay < 2^44 us.
inline constexpr uint64_t PathKey(uint64_t delay_us, uint64_t hops) {
  return (delay_us << kHopBits) + hops;
}
inline constexpr uint64_t DelayOfKey(uint64_t key) { return key >> kHopBits; }
// The largest key whose delay is at most `delay_us` (any hop count);
// kNoDelayBound gives UINT64_MAX.
uint64_t MaxKeyForDelay(uint64_t delay_us);

// True when `a` ranks before `b` (the total order described above).
bool PathLess(const Path& a, const Path& b);

// --- Arc costs -------------------------------------------------------------

// The cost of each arc (num_arcs() entries): PathKey(delay_us, 1) when the
// arc may be used under `c`, kUnusableArc otherwise. An arc is usable when it
// is in service (link and both routers up), has min_bandwidth_bps
// available, its link is not excluded, none of its link's SRLGs is excluded,
// neither of its routers is excluded, and its delay is <= kMaxArcDelayUs.
// c.max_delay_us is not applied here (it bounds paths, not arcs).
inline constexpr uint64_t kUnusableArc = std::numeric_limits<uint64_t>::max();
std::vector<uint64_t> ArcCosts(const model::NetworkModel& model, const PathConstraints& c);

// Why arcs are unusable under `c`, for NOT_FOUND messages, e.g.
// "12 arcs out of service, 4 arcs with less than 1000000000 bit/s
// available, 2 links excluded, 3 links in excluded SRLGs". Empty when every
// arc is usable.
std::string DescribeUnusableArcs(const model::NetworkModel& model, const PathConstraints& c);

}  // namespace cpn::te

#endif  // CPN_CONTROLLER_TE_CONSTRAINTS_H_
