#include "controller/srv6/compiler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "common/status_macros.h"
#include "controller/srv6/compiler_internal.h"
#include "controller/srv6/igp.h"
#include "controller/srv6/sid_allocator.h"

namespace cpn::srv6 {

absl::StatusOr<DesiredState> CompileDesiredState(const model::NetworkModel& model,
                                                 std::span<const SteeringIntent> intents,
                                                 const CompileOptions& options) {
  ASSIGN_OR_RETURN(SidPlan sids, SidPlan::Allocate(model));
  ASSIGN_OR_RETURN(const PortPlan ports, PortPlan::Build(model, options.port_bindings));
  IgpView igp(model);

  DesiredState state;
  state.routers.resize(model.num_routers());
  for (uint32_t r = 0; r < model.num_routers(); ++r) {
    state.routers[r].router = model::RouterIndex(r);
    state.routers[r].router_id = model.router(model::RouterIndex(r)).id;
  }
  for (const std::string& where : ports.unbound()) {
    state.warnings.push_back(absl::StrCat("interface ", where,
                                          " has no port binding (no devargs); its port id is "
                                          "derived and the dataplane cannot create it"));
  }
  RETURN_IF_ERROR(
      internal::CompileUnderlay(model, sids, ports, igp, options, state.routers, state.warnings));
  RETURN_IF_ERROR(
      internal::CompileSteering(model, sids, igp, intents, options, state.routers, state.warnings));
  std::sort(state.warnings.begin(), state.warnings.end());
  state.sids = std::move(sids);
  return state;
}

std::vector<uint32_t> ScaleWeights(std::span<const double> shares, uint32_t total) {
  const size_t n = shares.size();
  std::vector<uint32_t> out(n, 0);
  double sum = 0;
  for (double s : shares) sum += s > 0 ? s : 0;
  if (!(sum > 0) || total == 0) return out;

  std::vector<double> remainder(n, 0);
  uint64_t assigned = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!(shares[i] > 0)) continue;
    const double exact = shares[i] / sum * total;
    const double floor = std::floor(exact);
    out[i] = std::max<uint32_t>(1, static_cast<uint32_t>(floor));  // positive stays positive
    remainder[i] = exact - floor;
    assigned += out[i];
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  if (assigned < total) {
    // Hand the missing units to the largest remainders (lower index first).
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return remainder[a] > remainder[b]; });
    for (size_t k = 0; assigned < total; k = (k + 1) % n) {
      if (!(shares[order[k]] > 0)) continue;
      ++out[order[k]];
      ++assigned;
    }
  } else {
    // Too many after lifting tiny shares to 1: take from the largest weights.
    while (assigned > total) {
      size_t big = 0;
      for (size_t i = 1; i < n; ++i) {
        if (out[i] > out[big]) big = i;
      }
      if (out[big] <= 1) break;  // total < number of positive shares
      --out[big];
      --assigned;
    }
  }
  return out;
}

}  // namespace cpn::srv6
