#include "controller/te/constraints.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace cpn::te {
namespace {

// Why one arc is unusable; kUsable when it is not.
enum class ArcVerdict { kUsable, kOutOfService, kTooSlow, kBandwidth, kLink, kSrlg, kRouter };

// Flags per router and per link for the exclusions, built once per call.
struct Exclusions {
  std::vector<uint8_t> link;
  std::vector<uint8_t> router;
  std::vector<uint8_t> srlg_link;  // the link has an excluded SRLG
};

Exclusions BuildExclusions(const model::NetworkModel& model, const PathConstraints& c) {
  Exclusions x;
  x.link.assign(model.num_links(), 0);
  x.router.assign(model.num_routers(), 0);
  x.srlg_link.assign(model.num_links(), 0);
  for (model::LinkIndex l : c.excluded_links) {
    if (l.value() < model.num_links()) x.link[l.value()] = 1;
  }
  for (model::RouterIndex r : c.excluded_routers) {
    if (r.value() < model.num_routers()) x.router[r.value()] = 1;
  }
  // Walk the SRLG table rather than every link's list: only the excluded
  // groups are touched.
  for (uint32_t id : c.excluded_srlg_ids) {
    const std::optional<model::SrlgIndex> s = model.FindSrlg(id);
    if (!s) continue;
    for (model::LinkIndex l : model.srlg(*s).links) x.srlg_link[l.value()] = 1;
  }
  return x;
}

ArcVerdict Judge(const model::NetworkModel& model, const PathConstraints& c, const Exclusions& x,
                 size_t a) {
  const model::ArcIndex arc(static_cast<uint32_t>(a));
  if (!model.arc_in_service()[a]) return ArcVerdict::kOutOfService;
  if (model.arc_delay_us()[a] > kMaxArcDelayUs) return ArcVerdict::kTooSlow;
  if (c.min_bandwidth_bps > 0) {
    const uint64_t available =
        c.available_bps.empty() ? model.arc_capacity_bps()[a] : c.available_bps[a];
    if (available < c.min_bandwidth_bps) return ArcVerdict::kBandwidth;
  }
  const uint32_t link = model::LinkOf(arc).value();
  if (x.link[link]) return ArcVerdict::kLink;
  if (x.srlg_link[link]) return ArcVerdict::kSrlg;
  if (x.router[model.arc_tail(arc).value()] || x.router[model.arc_head(arc).value()]) {
    return ArcVerdict::kRouter;
  }
  return ArcVerdict::kUsable;
}

}  // namespace

uint64_t OneWayDelayBoundUs(double rtt_bound_ms) {
  if (!(rtt_bound_ms > 0)) return kNoDelayBound;  // also catches NaN
  // 2 * d <= B * 1000 with integer d  <=>  d <= floor(B * 1000 / 2).
  const double one_way_us = std::floor(rtt_bound_ms * 1000.0 / 2.0);
  if (one_way_us >= static_cast<double>(kMaxArcDelayUs)) return kNoDelayBound;
  return static_cast<uint64_t>(one_way_us);
}

uint64_t MaxKeyForDelay(uint64_t delay_us) {
  if (delay_us >= (uint64_t{1} << (64 - kHopBits))) return UINT64_MAX;
  return PathKey(delay_us, (uint64_t{1} << kHopBits) - 1);
}

bool PathLess(const Path& a, const Path& b) {
  const uint64_t ka = PathKey(a.delay_us, a.arcs.size());
  const uint64_t kb = PathKey(b.delay_us, b.arcs.size());
  if (ka != kb) return ka < kb;
  return std::lexicographical_compare(a.arcs.begin(), a.arcs.end(), b.arcs.begin(), b.arcs.end());
}

std::vector<uint64_t> ArcCosts(const model::NetworkModel& model, const PathConstraints& c) {
  const Exclusions x = BuildExclusions(model, c);
  const std::span<const uint64_t> delay = model.arc_delay_us();
  std::vector<uint64_t> costs(model.num_arcs(), kUnusableArc);
  for (size_t a = 0; a < costs.size(); ++a) {
    if (Judge(model, c, x, a) == ArcVerdict::kUsable) costs[a] = PathKey(delay[a], 1);
  }
  return costs;
}

std::string DescribeUnusableArcs(const model::NetworkModel& model, const PathConstraints& c) {
  const Exclusions x = BuildExclusions(model, c);
  size_t counts[7] = {};
  for (size_t a = 0; a < model.num_arcs(); ++a) {
    ++counts[static_cast<int>(Judge(model, c, x, a))];
  }
  std::vector<std::string> parts;
  auto add = [&](ArcVerdict v, const std::string& what) {
    if (counts[static_cast<int>(v)] > 0) {
      parts.push_back(absl::StrFormat("%d arcs %s", counts[static_cast<int>(v)], what));
    }
  };
  add(ArcVerdict::kOutOfService, "out of service");
  add(ArcVerdict::kTooSlow, absl::StrFormat("with a delay above %d us", kMaxArcDelayUs));
  add(ArcVerdict::kBandwidth,
      absl::StrFormat("with less than %d bit/s available", c.min_bandwidth_bps));
  add(ArcVerdict::kLink, "on excluded links");
  add(ArcVerdict::kSrlg, "on links in excluded SRLGs");
  add(ArcVerdict::kRouter, "touching excluded routers");
  return absl::StrJoin(parts, ", ");
}

}  // namespace cpn::te
