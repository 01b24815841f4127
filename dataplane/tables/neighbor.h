// Neighbors and next hops: what the rewrite/tx stage needs after a FIB lookup.
//
//   FIB (Lpm6/Lpm4): prefix -> next-hop id
//   NextHopTable:    next-hop id -> {kind, egress port, src MAC, dst MAC}
//   NeighborTable:   neighbor IP (IPv6, or IPv4 v4-mapped) -> {port, MAC}
//
// The FIB never holds a MAC: a NextHopTable is RESOLVED from next-hop specs
// (id, port, gateway IP) against a NeighborTable and the ports' own MACs,
// on the control thread. A neighbor whose MAC changes therefore costs a new
// NextHopTable (an array of 16-byte entries), not a new FIB.
//
// Neighbors are keyed by address alone, so a link-local address must be
// unique across ports (Build rejects duplicates).
//
// Both are immutable once built and published with the rest of a TableSet.
// THREADS: Build and destructors on the control thread; Get / Lookup /
// LookupBulk from any number of workers at once.
#ifndef CPN_DATAPLANE_TABLES_NEIGHBOR_H_
#define CPN_DATAPLANE_TABLES_NEIGHBOR_H_

#include <rte_ether.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "dataplane/tables/exact_match.h"
#include "dataplane/tables/ip_address.h"

namespace cpn::dataplane {

struct Neighbor {
  IpAddress addr;
  uint16_t port = 0;
  rte_ether_addr mac{};
};

class NeighborTable {
 public:
  static constexpr uint32_t kMaxBulk = Exact16Index::kMaxBulk;

  static absl::StatusOr<std::unique_ptr<NeighborTable>> Build(std::span<const Neighbor> neighbors,
                                                              int socket_id = SOCKET_ID_ANY);
  // The neighbor with address `addr` (16 bytes), or nullptr.
  const Neighbor* Lookup(const uint8_t* addr) const {
    const int32_t pos = index_->Lookup(addr);
    return pos < 0 ? nullptr : &by_position_[static_cast<uint32_t>(pos)];
  }
  // out[i] = neighbor or nullptr. n <= kMaxBulk. Returns the hit mask.
  uint64_t LookupBulk(const uint8_t* const addrs[], uint32_t n, const Neighbor** out) const;

  const std::vector<Neighbor>& neighbors() const { return neighbors_; }

 private:
  NeighborTable() = default;
  std::unique_ptr<Exact16Index> index_;
  std::vector<Neighbor> by_position_;
  std::vector<Neighbor> neighbors_;
};

enum class NextHopKind : uint8_t {
  kDrop = 0,        // Blackhole (also every id that is not configured).
  kForward = 1,     // Rewrite Ethernet and send on `port`.
  kLocal = 2,       // For this router (slow path / local SID handled earlier).
  kUnresolved = 3,  // Forward, but the neighbor is unknown: drop and count.
};

// What a worker reads per packet: one 16-byte entry.
struct NextHop {
  rte_ether_addr dst_mac;
  rte_ether_addr src_mac;
  uint16_t port;
  NextHopKind kind;
  uint8_t reserved;
};
static_assert(sizeof(NextHop) == 16);

inline constexpr uint16_t kAnyPort = 0xffff;

struct NextHopSpec {
  uint32_t id = 0;  // Dense ids are best: the table is an array of max id + 1.
  NextHopKind kind = NextHopKind::kForward;
  uint16_t port = kAnyPort;  // kForward: egress port; kAnyPort = the neighbor's.
  // kForward: the gateway, resolved in the NeighborTable; or, when absent,
  // `dst_mac` is used as given (point-to-point links).
  std::optional<IpAddress> gateway;
  rte_ether_addr dst_mac{};
};

struct PortMac {
  uint16_t port = 0;
  rte_ether_addr mac{};
};

class NextHopTable {
 public:
  // Largest next-hop id.
  static constexpr uint32_t kMaxId = 1u << 20;

  // Resolves every spec. A kForward spec whose gateway has no neighbor (or
  // one on another port than `port`) becomes kUnresolved; a port without a
  // MAC in `ports` is an error.
  static absl::StatusOr<std::unique_ptr<NextHopTable>> Build(std::span<const NextHopSpec> specs,
                                                             const NeighborTable* neighbors,
                                                             std::span<const PortMac> ports);

  // Any id: ids never configured read as kDrop.
  const NextHop& Get(uint32_t id) const { return id < entries_.size() ? entries_[id] : kDropEntry; }
  uint32_t size() const { return static_cast<uint32_t>(entries_.size()); }
  uint32_t unresolved() const { return unresolved_; }
  const std::vector<NextHopSpec>& specs() const { return specs_; }

 private:
  static constexpr NextHop kDropEntry{{}, {}, 0, NextHopKind::kDrop, 0};
  NextHopTable() = default;
  std::vector<NextHop> entries_;
  std::vector<NextHopSpec> specs_;
  uint32_t unresolved_ = 0;
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_TABLES_NEIGHBOR_H_
