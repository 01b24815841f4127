#include "dataplane/tables/neighbor.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace cpn::dataplane {

absl::StatusOr<std::unique_ptr<NeighborTable>> NeighborTable::Build(
    std::span<const Neighbor> neighbors, int socket_id) {
  std::unique_ptr<NeighborTable> t(new NeighborTable());
  std::vector<IpAddress> keys;
  keys.reserve(neighbors.size());
  for (const Neighbor& n : neighbors) keys.push_back(n.addr);
  std::vector<int32_t> pos;
  absl::StatusOr<std::unique_ptr<Exact16Index>> index =
      Exact16Index::Build(keys, "neighbor", pos, socket_id);
  if (!index.ok()) return index.status();
  t->index_ = *std::move(index);
  t->by_position_.assign(t->index_->capacity(), Neighbor{});
  for (size_t i = 0; i < neighbors.size(); ++i) t->by_position_[pos[i]] = neighbors[i];
  t->neighbors_.assign(neighbors.begin(), neighbors.end());
  return t;
}

uint64_t NeighborTable::LookupBulk(const uint8_t* const addrs[], uint32_t n,
                                   const Neighbor** out) const {
  int32_t pos[kMaxBulk];
  const uint64_t hits = index_->LookupBulk(addrs, n, pos);
  for (uint32_t i = 0; i < n; ++i) {
    out[i] = pos[i] < 0 ? nullptr : &by_position_[static_cast<uint32_t>(pos[i])];
  }
  return hits;
}

absl::StatusOr<std::unique_ptr<NextHopTable>> NextHopTable::Build(
    std::span<const NextHopSpec> specs, const NeighborTable* neighbors,
    std::span<const PortMac> ports) {
  std::unique_ptr<NextHopTable> t(new NextHopTable());
  uint32_t max_id = 0;
  for (const NextHopSpec& s : specs) {
    if (s.id > kMaxId) {
      return absl::InvalidArgumentError(
          absl::StrCat("next hop id ", s.id, " is larger than ", kMaxId));
    }
    max_id = std::max(max_id, s.id);
  }
  t->entries_.assign(specs.empty() ? 0 : max_id + 1, kDropEntry);
  std::vector<bool> seen(t->entries_.size(), false);

  auto port_mac = [&](uint16_t port) -> const rte_ether_addr* {
    for (const PortMac& p : ports) {
      if (p.port == port) return &p.mac;
    }
    return nullptr;
  };

  for (const NextHopSpec& s : specs) {
    if (seen[s.id]) return absl::InvalidArgumentError(absl::StrCat("duplicate next hop id ", s.id));
    seen[s.id] = true;
    NextHop nh = kDropEntry;
    nh.kind = s.kind;
    if (s.kind == NextHopKind::kForward) {
      uint16_t port = s.port;
      if (s.gateway.has_value()) {
        const Neighbor* n = neighbors == nullptr ? nullptr : neighbors->Lookup(s.gateway->bytes);
        if (n == nullptr || (port != kAnyPort && n->port != port)) {
          nh.kind = NextHopKind::kUnresolved;
          ++t->unresolved_;
        } else {
          port = n->port;
          nh.dst_mac = n->mac;
        }
      } else {
        if (port == kAnyPort) {
          return absl::InvalidArgumentError(
              absl::StrCat("next hop ", s.id, ": forward with neither a gateway nor a port"));
        }
        nh.dst_mac = s.dst_mac;
      }
      if (nh.kind == NextHopKind::kForward) {
        const rte_ether_addr* src = port_mac(port);
        if (src == nullptr) {
          return absl::InvalidArgumentError(
              absl::StrCat("next hop ", s.id, ": port ", port, " has no MAC address"));
        }
        nh.port = port;
        nh.src_mac = *src;
      }
    } else if (s.kind == NextHopKind::kUnresolved) {
      return absl::InvalidArgumentError(
          absl::StrCat("next hop ", s.id, ": kUnresolved is an outcome, not a kind to configure"));
    }
    t->entries_[s.id] = nh;
  }
  t->specs_.assign(specs.begin(), specs.end());
  return t;
}

}  // namespace cpn::dataplane
