#include "lab/sim/controller_view.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "controller/te/path_cache.h"
#include "cpn/common/v1/types.pb.h"

namespace cpn::lab::sim {

ControllerView::ControllerView(const SimSetup& setup, int k_paths)
    : setup_(setup), k_paths_(k_paths), topology_(setup.model->proto()) {
  const Scenario& sc = setup.scenario;
  for (const SimIngress& in : setup.ingresses) {
    te::Demand d;
    d.ingress = in.router;
    d.service = setup.service;
    d.source = te::DemandSource::kMeasured;
    demands_.push_back(d);
    estimators_.emplace_back(
        in.rate, DemandEstimatorOptions{sc.demand_window_s, sc.demand_short_s, sc.demand_jump_z});
  }
  arrivals_.assign(setup.ingresses.size(), 0);
  background_.assign(setup.sites.size(), te::PlacementMetrics{});
  in_system_ = background_;
  load_.assign(setup.sites.size(), -1);
  arcs_.assign(setup.model->num_arcs(), te::ArcMetrics{});
}

absl::Status ControllerView::Init() {
  absl::StatusOr<std::shared_ptr<const model::NetworkModel>> m =
      model::NetworkModel::Build(topology_);
  if (!m.ok()) return m.status();
  model_ = *std::move(m);
  te::PathCacheOptions po;
  po.k = k_paths_;
  te::PathCache cache(model_, po);
  absl::StatusOr<te::CandidateSet> cands = te::BuildCandidates(cache, demands_);
  if (!cands.ok()) return cands.status();
  candidates_ = std::make_shared<const te::CandidateSet>(*std::move(cands));
  return absl::OkStatus();
}

absl::Status ControllerView::Apply(const TopologyChange& c) {
  const auto state = c.down ? cpn::common::v1::ADMIN_STATE_DOWN : cpn::common::v1::ADMIN_STATE_UP;
  if (c.site) {
    topology_.mutable_sites(static_cast<int>(c.index))->set_admin_state(state);
  } else {
    topology_.mutable_links(static_cast<int>(c.index))->set_admin_state(state);
  }
  if (absl::Status st = Init(); !st.ok()) {
    return absl::InternalError(absl::StrFormat("after %s: %s", c.what, st.ToString()));
  }
  return absl::OkStatus();
}

void ControllerView::Receive(const std::vector<SiteReport>& sites,
                             const std::vector<double>& arc_background) {
  absl::Time at = absl::InfinitePast();
  for (size_t i = 0; i < sites.size(); ++i) {
    const SiteReport& r = sites[i];
    at = r.background.measured_at;
    if (background_[i].measured_at >= at) continue;  // out of order
    background_[i] = te::SmoothPlacementMetrics(background_[i], r.background, {});
    in_system_[i] = te::SmoothPlacementMetrics(in_system_[i], r.in_system, {});
    // Server counts are taken as reported, not smoothed.
    background_[i].available_servers = in_system_[i].available_servers =
        r.background.available_servers;
    load_[i] = r.load;
  }
  for (size_t a = 0; a < arc_background.size(); ++a) {
    if (arcs_[a].measured_at >= at) continue;
    arcs_[a].measured_at = at;
    arcs_[a].background_utilization = arc_background[a];
  }
}

PolicyView ControllerView::Build(double t, uint64_t epoch) {
  auto demands = std::make_shared<std::vector<te::Demand>>(demands_);
  for (size_t i = 0; i < demands->size(); ++i) {
    if (t > last_build_t_) estimators_[i].Update(arrivals_[i], t - last_build_t_);
    arrivals_[i] = 0;
    (*demands)[i].requests_per_second = estimators_[i].rate();
  }
  last_build_t_ = t;

  const size_t np = model_->placements().size();
  auto background = std::make_shared<te::MetricState>();
  auto in_system = std::make_shared<te::MetricState>();
  background->placements.resize(np);
  in_system->placements.resize(np);
  PolicyView view;
  view.reported_load.assign(np, -1.0);
  for (size_t i = 0; i < setup_.sites.size(); ++i) {
    const uint32_t p = setup_.sites[i].placement.value();
    background->placements[p] = background_[i];
    in_system->placements[p] = in_system_[i];
    if (background_[i].reported()) view.reported_load[p] = load_[i];
  }
  background->arcs = arcs_;
  in_system->arcs = arcs_;
  view.now_s = t;
  view.epoch = epoch;
  view.model = model_;
  view.demands = std::move(demands);
  view.candidates = candidates_;
  view.metrics = std::move(background);
  view.metrics_in_system = std::move(in_system);
  return view;
}

}  // namespace cpn::lab::sim
