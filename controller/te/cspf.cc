#include "controller/te/cspf.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "controller/te/path_search.h"

namespace cpn::te {
namespace {

using model::ArcIndex;
using model::RouterIndex;

// The best path under `costs` within `max_key`, as arcs; nullopt if none.
std::optional<std::vector<ArcIndex>> Search(const model::NetworkModel& model,
                                            std::span<const uint64_t> costs, RouterIndex source,
                                            RouterIndex target, uint64_t max_key) {
  PathSearch search;
  search.Reset(model.num_routers());
  std::vector<ArcIndex> arcs;
  if (!search.Find(model, costs, source, target, nullptr, {}, max_key, &arcs)) return std::nullopt;
  return arcs;
}

std::string Quoted(const model::NetworkModel& model, RouterIndex r) {
  return absl::StrFormat("router \"%s\"", model.router(r).id);
}

}  // namespace

absl::Status CheckSearchArguments(const model::NetworkModel& model, RouterIndex source,
                                  RouterIndex target, const PathConstraints& c) {
  if (source.value() >= model.num_routers()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "source router index %d is not a router of the model (%d routers)",
        static_cast<int64_t>(source.value()), model.num_routers()));
  }
  if (target.value() >= model.num_routers()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "target router index %d is not a router of the model (%d routers)",
        static_cast<int64_t>(target.value()), model.num_routers()));
  }
  if (!c.available_bps.empty() && c.available_bps.size() != model.num_arcs()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("available_bps has %d entries; the model has %d arcs",
                        c.available_bps.size(), model.num_arcs()));
  }
  return absl::OkStatus();
}

absl::StatusOr<Path> ConstrainedShortestPath(const model::NetworkModel& model, RouterIndex source,
                                             RouterIndex target, const PathConstraints& c) {
  RETURN_IF_ERROR(CheckSearchArguments(model, source, target, c));
  if (source == target) return MakePath(model, source, {});
  const std::vector<uint64_t> costs = ArcCosts(model, c);
  std::optional<std::vector<ArcIndex>> arcs =
      Search(model, costs, source, target, MaxKeyForDelay(c.max_delay_us));
  if (!arcs) {
    absl::Status why = ExplainNoPath(model, source, target, c);
    if (why.ok()) return absl::InternalError("CSPF found no path but a path exists");
    return why;
  }
  return MakePath(model, source, *std::move(arcs));
}

absl::Status ExplainNoPath(const model::NetworkModel& model, RouterIndex source,
                           RouterIndex target, const PathConstraints& c) {
  RETURN_IF_ERROR(CheckSearchArguments(model, source, target, c));
  if (source == target) return absl::OkStatus();
  const std::string between =
      absl::StrFormat("from %s to %s", Quoted(model, source), Quoted(model, target));
  for (const auto& [r, role] : {std::pair{source, "source"}, std::pair{target, "target"}}) {
    if (!model.router(r).up) {
      return absl::NotFoundError(
          absl::StrFormat("no path %s: the %s %s is down", between, role, Quoted(model, r)));
    }
    for (RouterIndex x : c.excluded_routers) {
      if (x == r) {
        return absl::NotFoundError(
            absl::StrFormat("no path %s: the %s %s is excluded", between, role, Quoted(model, r)));
      }
    }
  }
  const PathConstraints in_service_only;
  if (!Search(model, ArcCosts(model, in_service_only), source, target, UINT64_MAX)) {
    return absl::NotFoundError(absl::StrFormat(
        "no path %s: no in-service path connects them (%s)", between,
        DescribeUnusableArcs(model, in_service_only)));
  }
  PathConstraints unbounded = c;
  unbounded.max_delay_us = kNoDelayBound;
  const std::vector<uint64_t> costs = ArcCosts(model, unbounded);
  const std::optional<std::vector<ArcIndex>> best =
      Search(model, costs, source, target, UINT64_MAX);
  if (!best) {
    return absl::NotFoundError(
        absl::StrFormat("no path %s: every in-service path uses an arc the constraints rule out "
                        "(%s)",
                        between, DescribeUnusableArcs(model, c)));
  }
  const Path p = MakePath(model, source, *best);
  if (p.delay_us > c.max_delay_us) {
    return absl::NotFoundError(absl::StrFormat(
        "no path %s within the delay bound: the best path satisfying the other constraints has "
        "a one-way delay of %d us, above the bound of %d us",
        between, p.delay_us, c.max_delay_us));
  }
  return absl::OkStatus();
}

}  // namespace cpn::te
