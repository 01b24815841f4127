// The IGP underlay as the SRv6 compiler sees it: shortest paths by the
// model's IGP metric over arcs in service (NetworkModel::arc_in_service), as
// every router's FIB forwards. Answers the two questions the compiler asks:
//   - is a given sub-path THE unique IGP shortest path between its ends?
//     (segment-list minimisation; an ECMP tie counts as not unique)
//   - which arcs leave router r on some IGP shortest path to router d?
//     (FIB next hops, ECMP when tied)
//
// Paths are counted per arc sequence, so parallel links of equal metric are
// a tie. Metrics are integers (1 .. 2^24-2 per link), so ties are exact.
//
// Not thread-safe: From() caches one tree per root it was asked about. Use
// one IgpView per thread; it borrows the model, which must outlive it.
#ifndef CPN_CONTROLLER_SRV6_IGP_H_
#define CPN_CONTROLLER_SRV6_IGP_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "controller/model/index.h"
#include "controller/model/network_model.h"

namespace cpn::srv6 {

class IgpView {
 public:
  static constexpr uint64_t kUnreachable = std::numeric_limits<uint64_t>::max();

  explicit IgpView(const model::NetworkModel& model);
  IgpView(const IgpView&) = delete;
  IgpView& operator=(const IgpView&) = delete;

  const model::NetworkModel& model() const { return model_; }
  // IGP metric per arc; kUnreachable for arcs out of service.
  std::span<const uint64_t> arc_weights() const { return weights_; }
  bool in_service(model::ArcIndex a) const { return weights_[a.value()] != kUnreachable; }

  // Shortest-path distances from `root`, and per router the number of
  // distinct shortest paths (arc sequences) from root, capped at 2.
  struct Tree {
    std::vector<uint64_t> distance;  // kUnreachable when unreachable
    std::vector<uint8_t> paths;      // 0 unreachable, 1 unique, 2 tied
  };
  const Tree& From(model::RouterIndex root);

  // True when `arcs`, a chain of in-service arcs from `from`, is the one and
  // only IGP shortest path from `from` to its end. An empty chain is.
  bool IsUniqueShortestPath(model::RouterIndex from, std::span<const model::ArcIndex> arcs);
  // The unique IGP shortest path from `from` to `to` (empty when equal);
  // nullopt when `to` is unreachable or the shortest path is tied.
  std::optional<std::vector<model::ArcIndex>> UniqueShortestPath(model::RouterIndex from,
                                                                 model::RouterIndex to);

  // Distances from every router to `to` (kUnreachable when it cannot reach).
  std::vector<uint64_t> DistancesTo(model::RouterIndex to) const;
  // Arcs leaving `from` that start some IGP shortest path to the router
  // whose DistancesTo() is `to_distance`; ascending by arc. Empty when
  // `from` is that router or cannot reach it.
  std::vector<model::ArcIndex> NextHops(model::RouterIndex from,
                                        std::span<const uint64_t> to_distance) const;

 private:
  const model::NetworkModel& model_;
  std::vector<uint64_t> weights_;
  std::vector<std::unique_ptr<Tree>> trees_;  // per root, filled lazily
};

}  // namespace cpn::srv6

#endif  // CPN_CONTROLLER_SRV6_IGP_H_
