#include "lab/sim/simulator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <utility>

#include "absl/strings/str_format.h"
#include "lab/sim/controller_view.h"
#include "lab/sim/event_queue.h"
#include "lab/sim/site_agent.h"
#include "lab/sim/site_queue.h"
#include "lab/sim/workload.h"

namespace cpn::lab::sim {
namespace {

constexpr uint64_t kBackgroundBit = uint64_t{1} << 62;
constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct Route {
  uint32_t site = kNone;  // index into SimSetup::sites
  std::vector<model::ArcIndex> arcs;
  double one_way_s = 0;
  bool valid() const { return site != kNone; }
};

struct Flow {
  uint32_t ingress = 0;
  double u = 0;  // the flow's hash, uniform in [0, 1)
  Route route;
};

struct Request {
  uint64_t flow = 0;
  double t0 = 0;
  double service_factor = 1;
  double service_s = 0;  // at the site that served it
  Route route;
  bool measured = false;
};

struct ClientSlot {
  int64_t flow = -1;
  double expires = 0;
};

struct Report {
  std::vector<SiteReport> sites;  // by SimSetup::sites
  std::vector<double> arc_background;
};

class Run {
 public:
  Run(const SimSetup& setup, Policy& policy, const SimOptions& options);
  absl::StatusOr<RunResult> Go();

 private:
  const Scenario& sc() const { return setup_.scenario; }
  double ArcBackground(size_t arc, double t) const;
  double TransferS(const std::vector<model::ArcIndex>& arcs, bool reverse, double bytes, double t);
  absl::Status Epoch(double t);
  Route RouteOf(uint32_t ingress, uint32_t candidate) const;
  Route Pick(uint32_t ingress, double u) const;
  // A live candidate route of `ingress` to `site` (chosen by u among
  // several), or none: where the dataplane moves a flow whose path died
  // while its site lives (a "rerouted" flow keeps its site).
  Route RouteToSite(uint32_t ingress, uint32_t site, double u) const;
  // The route a per-request policy picks from the sites' exact state, among
  // the candidates whose site and path are physically up; none if none is.
  Route Dispatch(uint32_t ingress);
  bool PhysicallyUp(const Route& r) const;
  bool LiveInView(const Route& r) const;
  void Send(uint64_t rid, double t);
  void NewRequest(uint32_t ingress, int64_t flow, double t);
  void OnArrival(double t);
  void OnFlashArrival(double t);
  void OnBackground(uint32_t site, double t);
  void OnAtSite(uint64_t rid, double t);
  void OnServiceDone(uint32_t site, uint64_t job, uint32_t gen, double t);
  void OnReport(double t);
  void OnReportArrive(uint64_t index);
  void OnSample(double t);
  void OnChange(const TopologyChange& c, double t);
  absl::Status OnDetect(const TopologyChange& c, double t);
  void StartService(uint32_t site, const Job& job, double t);

  const SimSetup& setup_;
  Policy& policy_;
  SimOptions options_;
  const Workload& wl_;
  const model::NetworkModel& phys_;
  EventQueue q_;
  RunResult out_;

  // Randomness, one stream per input so that every policy sees the same.
  std::mt19937_64 rng_arrival_;
  std::mt19937_64 rng_flash_;
  ArrivalProcess arrivals_;
  ArrivalProcess flash_arrivals_;
  ServiceSampler service_;
  std::vector<ArrivalProcess> bg_arrivals_;
  std::vector<ServiceSampler> bg_service_;
  std::vector<double> ingress_cum_;  // cumulative ingress weights
  std::vector<double> flash_cum_;    // cumulative weights of the flash region
  std::vector<uint32_t> flash_ingress_;

  // Physical state.
  std::vector<SiteQueue> queues_;
  std::vector<uint32_t> en_route_;  // CPN requests on their way to each site
  std::vector<uint8_t> arc_down_;
  std::vector<double> arc_bytes_;
  std::vector<SiteAgent> agents_;
  std::vector<double> busy_at_sample_;
  uint64_t next_bg_id_ = 0;

  // Traffic.
  std::vector<Flow> flows_;
  std::vector<Request> requests_;
  std::vector<std::vector<ClientSlot>> slots_;
  uint64_t outstanding_ = 0;  // measured requests not yet done

  // The controller's view.
  ControllerView view_;
  std::vector<Report> reports_;
  std::vector<uint32_t> site_of_placement_;
  Weights weights_;
  std::vector<double> agg_;  // [ingress * sites + site]
  WeightTracker tracker_;
  uint64_t epoch_ = 0;
};

Run::Run(const SimSetup& setup, Policy& policy, const SimOptions& options)
    : setup_(setup),
      policy_(policy),
      options_(options),
      wl_(*setup.workload),
      phys_(*setup.model),
      rng_arrival_(SplitMix(setup.scenario.seed * 16 + 1)),
      rng_flash_(SplitMix(setup.scenario.seed * 16 + 2)),
      arrivals_(&setup.workload->arrival_gaps, SplitMix(setup.scenario.seed * 16 + 3)),
      flash_arrivals_(nullptr, SplitMix(setup.scenario.seed * 16 + 4)),
      service_(&setup.workload->service_factors, SplitMix(setup.scenario.seed * 16 + 5)),
      view_(setup, options.k_paths),
      tracker_(setup.scenario.oscillation_window_s) {}

double Run::ArcBackground(size_t arc, double t) const {
  const double v =
      sc().link_background * SeriesAt(wl_.link_background, setup_.arc_background_offset[arc], t);
  return std::clamp(v, 0.0, 0.95);
}

double Run::TransferS(const std::vector<model::ArcIndex>& arcs, bool reverse, double bytes,
                      double t) {
  double bottleneck = std::numeric_limits<double>::infinity();
  for (model::ArcIndex a : arcs) {
    const model::ArcIndex arc = reverse ? model::ReverseOf(a) : a;
    arc_bytes_[arc.value()] += bytes;
    const double cap = static_cast<double>(phys_.arc_capacity_bps()[arc.value()]);
    bottleneck = std::min(bottleneck, cap * std::max(0.05, 1.0 - ArcBackground(arc.value(), t)));
  }
  return std::isfinite(bottleneck) ? 8.0 * bytes / bottleneck : 0.0;
}

Route Run::RouteOf(uint32_t ingress, uint32_t candidate) const {
  Route r;
  const te::Candidate& c = view_.candidates().by_demand[ingress][candidate];
  if (c.path == te::kNoPath) return r;
  const te::Path& p = view_.candidates().paths[c.path];
  r.site = site_of_placement_[c.placement.value()];
  r.arcs = p.arcs;
  r.one_way_s = static_cast<double>(p.delay_us) / 1e6;
  return r;
}

bool Run::LiveInView(const Route& r) const {
  if (!r.valid()) return false;
  if (!view_.model().site(setup_.sites[r.site].site).up) return false;
  for (model::ArcIndex a : r.arcs) {
    if (!view_.model().arc_in_service()[a.value()]) return false;
  }
  return true;
}

Route Run::Pick(uint32_t ingress, double u) const {
  const std::vector<double>& w = weights_[ingress];
  double total = 0;
  for (double x : w) total += std::max(0.0, x);
  if (total > 0) {
    const double target = u * total;
    double acc = 0;
    uint32_t last = kNone;
    for (uint32_t i = 0; i < w.size(); ++i) {
      if (w[i] <= 0) continue;
      last = i;
      acc += w[i];
      if (target < acc) break;
    }
    Route r = RouteOf(ingress, last);
    if (LiveInView(r)) return r;
  }
  // No weight (unserved) or a stale pick: the nearest live site.
  Route best;
  for (uint32_t i = 0; i < view_.candidates().by_demand[ingress].size(); ++i) {
    Route r = RouteOf(ingress, i);
    if (LiveInView(r) && (!best.valid() || r.one_way_s < best.one_way_s)) best = std::move(r);
  }
  return best;
}

Route Run::RouteToSite(uint32_t ingress, uint32_t site, double u) const {
  std::vector<Route> live;
  for (uint32_t i = 0; i < view_.candidates().by_demand[ingress].size(); ++i) {
    Route r = RouteOf(ingress, i);
    if (r.valid() && r.site == site && LiveInView(r)) live.push_back(std::move(r));
  }
  if (live.empty()) return Route{};
  const size_t k = std::min(live.size() - 1, static_cast<size_t>(u * live.size()));
  return std::move(live[k]);
}

bool Run::PhysicallyUp(const Route& r) const {
  if (!r.valid() || !queues_[r.site].up()) return false;
  for (model::ArcIndex a : r.arcs) {
    if (arc_down_[a.value()]) return false;
  }
  return true;
}

Route Run::Dispatch(uint32_t ingress) {
  std::vector<DispatchOption> options;
  for (uint32_t i = 0; i < view_.candidates().by_demand[ingress].size(); ++i) {
    const Route r = RouteOf(ingress, i);
    if (PhysicallyUp(r)) options.push_back(DispatchOption{i, r.site, r.one_way_s});
  }
  if (options.empty()) return Route{};
  std::vector<SiteNow> sites(queues_.size());
  for (size_t i = 0; i < queues_.size(); ++i) {
    sites[i] = SiteNow{queues_[i].servers(),
                       queues_[i].busy() + static_cast<uint32_t>(queues_[i].waiting()),
                       en_route_[i], setup_.sites[i].mean_service_s};
  }
  const size_t k = policy_.Dispatch(options, sites);
  return k < options.size() ? RouteOf(ingress, options[k].candidate) : Route{};
}

void Run::Send(uint64_t rid, double t) {
  Request& r = requests_[rid];
  Flow& f = flows_[r.flow];
  Route route;
  if (f.route.valid() && policy_.flow_affinity() && LiveInView(f.route)) {
    route = f.route;
  } else {
    if (f.route.valid() && policy_.flow_affinity()) route = RouteToSite(f.ingress, f.route.site, f.u);
    if (!route.valid()) {
      route = policy_.dispatches_per_request() ? Dispatch(f.ingress) : Pick(f.ingress, f.u);
    }
    if (f.route.valid() && route.valid() && route.site != f.route.site) {
      if (queues_[f.route.site].up() && LiveInView(f.route)) {
        ++out_.moved_live;
      } else {
        ++out_.repicked;
      }
    }
  }
  if (!route.valid()) {
    ++out_.retries;
    q_.Push(t + sc().retry_timeout_s, EventKind::kRetry, 0, rid);
    return;
  }
  f.route = route;
  r.route = std::move(route);
  for (model::ArcIndex a : r.route.arcs) {
    if (arc_down_[a.value()]) {
      ++out_.retries;
      q_.Push(t + sc().retry_timeout_s, EventKind::kRetry, 0, rid);
      return;
    }
  }
  const double fwd = r.route.one_way_s + TransferS(r.route.arcs, false, setup_.request_bytes, t);
  q_.Push(t + fwd, EventKind::kAtSite, 0, rid);
  ++en_route_[r.route.site];
}

void Run::NewRequest(uint32_t ingress, int64_t flow, double t) {
  Request r;
  r.flow = static_cast<uint64_t>(flow);
  r.t0 = t;
  r.service_factor = service_.Next(1.0);
  r.measured = t >= sc().warmup_s && t < sc().duration_s;
  if (r.measured) {
    ++out_.requests;
    ++outstanding_;
  }
  view_.CountArrival(ingress);
  requests_.push_back(std::move(r));
  Send(requests_.size() - 1, t);
}

void Run::OnArrival(double t) {
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  const double x = uni(rng_arrival_) * ingress_cum_.back();
  const uint32_t in = static_cast<uint32_t>(std::min<size_t>(
      std::upper_bound(ingress_cum_.begin(), ingress_cum_.end(), x) - ingress_cum_.begin(),
      ingress_cum_.size() - 1));
  const size_t slot_i =
      std::uniform_int_distribution<size_t>(0, slots_[in].size() - 1)(rng_arrival_);
  const double u = uni(rng_arrival_);
  const double life =
      std::exponential_distribution<double>(1.0 / sc().connection_lifetime_s)(rng_arrival_);
  ClientSlot& slot = slots_[in][slot_i];
  if (slot.flow < 0 || t >= slot.expires) {
    flows_.push_back(Flow{in, u, Route{}});
    slot.flow = static_cast<int64_t>(flows_.size() - 1);
    slot.expires = t + life;
  }
  NewRequest(in, slot.flow, t);
  const double next = t + arrivals_.NextGap(setup_.demand_rps);
  if (next < sc().duration_s) q_.Push(next, EventKind::kArrival);
}

void Run::OnFlashArrival(double t) {
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  const double x = uni(rng_flash_) * flash_cum_.back();
  const size_t k = std::min<size_t>(
      std::upper_bound(flash_cum_.begin(), flash_cum_.end(), x) - flash_cum_.begin(),
      flash_cum_.size() - 1);
  const uint32_t in = flash_ingress_[k];
  flows_.push_back(Flow{in, uni(rng_flash_), Route{}});  // a new user: a new flow
  NewRequest(in, static_cast<int64_t>(flows_.size() - 1), t);
  const double rate = (sc().flash_factor - 1) * setup_.flash_region_rps;
  const double next = t + flash_arrivals_.NextGap(rate);
  if (next < sc().flash_start_s + sc().flash_duration_s && next < sc().duration_s) {
    q_.Push(next, EventKind::kFlashArrival);
  }
}

void Run::StartService(uint32_t site, const Job& job, double t) {
  const double s = job.service_s;
  q_.Push(t + s, EventKind::kServiceDone, site, job.id, queues_[site].generation());
}

void Run::OnBackground(uint32_t site, double t) {
  const SimSite& s = setup_.sites[site];
  static const LoadSeries kConstant;
  const LoadSeries& series = wl_.site_backgrounds.empty()
                                 ? kConstant
                                 : wl_.site_backgrounds[site % wl_.site_backgrounds.size()];
  const double rate = s.background_rps * SeriesAt(series, s.background_offset, t);
  if (queues_[site].up()) {
    agents_[site].CountBackground();
    Job job{kBackgroundBit | next_bg_id_++, bg_service_[site].Next(s.mean_service_s), true};
    if (queues_[site].Arrive(job, t)) StartService(site, job, t);
  }
  const double end = sc().duration_s + sc().drain_s;
  const double next = rate > 1e-9 ? t + bg_arrivals_[site].NextGap(rate)
                                  : (std::floor(t / series.step_s) + 1) * series.step_s;
  if (next < end) q_.Push(next, EventKind::kBackgroundArrival, site);
}

void Run::OnAtSite(uint64_t rid, double t) {
  Request& r = requests_[rid];
  const uint32_t site = r.route.site;
  --en_route_[site];
  if (!queues_[site].up()) {  // no answer: the client times out and retries
    ++out_.retries;
    q_.Push(t + sc().retry_timeout_s, EventKind::kRetry, 0, rid);
    return;
  }
  agents_[site].CountOwn();
  r.service_s = r.service_factor * setup_.sites[site].mean_service_s;
  Job job{rid, r.service_s, false};
  if (queues_[site].Arrive(job, t)) StartService(site, job, t);
}

void Run::OnServiceDone(uint32_t site, uint64_t job, uint32_t gen, double t) {
  if (gen != queues_[site].generation()) return;  // the site failed meanwhile
  if (std::optional<Job> next = queues_[site].Depart(job, t)) StartService(site, *next, t);
  if (job & kBackgroundBit) return;
  Request& r = requests_[job];
  const double back = r.route.one_way_s + TransferS(r.route.arcs, true, setup_.response_bytes, t);
  q_.Push(t + back, EventKind::kDone, 0, job);
}

void Run::OnReport(double t) {
  Report rep;
  for (size_t i = 0; i < setup_.sites.size(); ++i) {
    rep.sites.push_back(agents_[i].Measure(queues_[i], t));
  }
  rep.arc_background.resize(phys_.num_arcs());
  for (size_t a = 0; a < phys_.num_arcs(); ++a) rep.arc_background[a] = ArcBackground(a, t);
  reports_.push_back(std::move(rep));
  q_.Push(t + sc().metric_delay_s, EventKind::kReportArrive, 0, reports_.size() - 1);
  if (t + sc().report_interval_s < sc().duration_s + sc().drain_s) {
    q_.Push(t + sc().report_interval_s, EventKind::kReport);
  }
}

void Run::OnReportArrive(uint64_t index) {
  view_.Receive(reports_[index].sites, reports_[index].arc_background);
  reports_[index] = Report{};  // delivered
}

absl::Status Run::Epoch(double t) {
  const PolicyView view = view_.Build(t, ++epoch_);
  Weights w;
  if (absl::Status st = policy_.Decide(view, &w); !st.ok()) return st;
  if (w.size() != view_.candidates().by_demand.size()) {
    return absl::InternalError(absl::StrFormat("policy %s returned %d weight rows for %d demands",
                                               policy_.name(), w.size(),
                                               view_.candidates().by_demand.size()));
  }
  for (size_t d = 0; d < w.size(); ++d) {
    if (w[d].size() != view_.candidates().by_demand[d].size()) {
      return absl::InternalError(
          absl::StrFormat("policy %s: demand %d has %d weights for %d candidates", policy_.name(),
                          d, w[d].size(), view_.candidates().by_demand[d].size()));
    }
  }
  weights_ = std::move(w);

  // Per (ingress, site) shares: churn and oscillation.
  const size_t ns = setup_.sites.size();
  std::vector<double> agg(setup_.ingresses.size() * ns, 0.0);
  for (size_t d = 0; d < weights_.size(); ++d) {
    for (size_t c = 0; c < weights_[d].size(); ++c) {
      const uint32_t p = view_.candidates().by_demand[d][c].placement.value();
      agg[d * ns + site_of_placement_[p]] += weights_[d][c];
    }
  }
  const bool count = t > sc().warmup_s && t <= sc().duration_s;
  if (count && agg_.size() == agg.size()) {
    double moved = 0, total = 0;
    for (size_t d = 0; d < setup_.ingresses.size(); ++d) {
      double delta = 0;
      for (size_t j = 0; j < ns; ++j) delta += std::abs(agg[d * ns + j] - agg_[d * ns + j]);
      moved += view_.demand_rps(d) * delta / 2;
      total += view_.demand_rps(d);
    }
    out_.churn.push_back(total > 0 ? moved / total : 0);
  }
  tracker_.Observe(t, agg, count);
  agg_ = std::move(agg);
  return absl::OkStatus();
}

void Run::OnSample(double t) {
  const size_t ns = setup_.sites.size();
  std::vector<double> util(ns), queue(ns), focus(ns);
  for (size_t i = 0; i < ns; ++i) {
    const double busy = queues_[i].BusySeconds(t) - busy_at_sample_[i];
    busy_at_sample_[i] += busy;
    util[i] = queues_[i].up() ? busy / (queues_[i].servers() * sc().sample_s) : -1;
    queue[i] = static_cast<double>(queues_[i].waiting());
    focus[i] = agg_.empty() ? 0 : agg_[setup_.focus_ingress * ns + i];
  }
  out_.sample_t.push_back(t);
  out_.site_util.push_back(std::move(util));
  out_.site_queue.push_back(std::move(queue));
  out_.focus_weights.push_back(std::move(focus));
  const bool count = t > sc().warmup_s && t <= sc().duration_s;
  for (size_t a = 0; a < arc_bytes_.size(); ++a) {
    if (count && !arc_down_[a]) {
      const double u =
          ArcBackground(a, t) +
          8.0 * arc_bytes_[a] / (static_cast<double>(phys_.arc_capacity_bps()[a]) * sc().sample_s);
      out_.max_link_util = std::max(out_.max_link_util, u);
      if (u >= 1.0) out_.link_overload_s += sc().sample_s;
    }
    arc_bytes_[a] = 0;
  }
}

void Run::OnChange(const TopologyChange& c, double t) {
  if (c.site) {
    for (uint32_t i = 0; i < setup_.sites.size(); ++i) {
      if (setup_.sites[i].site.value() != c.index) continue;
      if (c.down) {
        // The connections break; the clients send again at once.
        for (const Job& j : queues_[i].Fail(t)) {
          ++out_.retries;
          q_.Push(t, EventKind::kRetry, 0, j.id);
        }
      } else {
        queues_[i].Recover(t);
      }
    }
  } else {
    for (model::ArcDirection dir : {model::ArcDirection::kAToB, model::ArcDirection::kBToA}) {
      arc_down_[model::ArcOf(model::LinkIndex(c.index), dir).value()] = c.down ? 1 : 0;
    }
  }
}

absl::Status Run::OnDetect(const TopologyChange& c, double t) {
  if (absl::Status st = view_.Apply(c); !st.ok()) return st;
  return Epoch(t);  // the controller reacts to topology events at once
}

absl::StatusOr<RunResult> Run::Go() {
  const size_t ns = setup_.sites.size();
  const size_t ni = setup_.ingresses.size();
  out_.policy = policy_.name();
  out_.scenario = sc().name;
  out_.topology = phys_.name();
  out_.latency_bound_ms = setup_.latency_bound_ms;
  out_.sample_s = sc().sample_s;
  out_.util_window_s = sc().util_window_s;
  out_.warmup_s = sc().warmup_s;
  out_.duration_s = sc().duration_s;
  out_.focus_ingress = setup_.ingresses[setup_.focus_ingress].id;
  if (sc().flash_start_s >= 0) {
    out_.events.push_back({absl::StrFormat("flash crowd %gx", sc().flash_factor),
                           sc().flash_start_s, sc().flash_start_s + sc().flash_duration_s});
  }
  for (size_t k = 0; k < setup_.changes.size(); ++k) {
    const TopologyChange& c = setup_.changes[k];
    if (!c.down) continue;
    double to = sc().duration_s;
    for (size_t j = k + 1; j < setup_.changes.size(); ++j) {
      const TopologyChange& u = setup_.changes[j];
      if (!u.down && u.site == c.site && u.index == c.index) {
        to = u.at_s;
        break;
      }
    }
    out_.events.push_back({c.what, c.at_s, to});
  }
  for (const SimSite& s : setup_.sites) {
    out_.site_ids.push_back(s.id);
    queues_.emplace_back(s.servers);
    en_route_.push_back(0);
  }
  site_of_placement_.assign(phys_.placements().size(), kNone);
  for (uint32_t i = 0; i < ns; ++i) site_of_placement_[setup_.sites[i].placement.value()] = i;
  for (uint32_t i = 0; i < ns; ++i) {
    bg_arrivals_.emplace_back(nullptr, SplitMix(sc().seed * 16 + 100 + i));
    bg_service_.emplace_back(&wl_.service_factors, SplitMix(sc().seed * 16 + 1000 + i));
  }
  arc_down_.assign(phys_.num_arcs(), 0);
  arc_bytes_.assign(phys_.num_arcs(), 0);
  for (uint32_t i = 0; i < ns; ++i) {
    agents_.emplace_back(sc().report_interval_s, sc().report_window_s);
  }
  busy_at_sample_.assign(ns, 0);
  slots_.assign(ni, std::vector<ClientSlot>(static_cast<size_t>(sc().clients_per_ingress)));
  double acc = 0, facc = 0;
  for (uint32_t i = 0; i < ni; ++i) {
    const SimIngress& in = setup_.ingresses[i];
    acc += in.weight;
    ingress_cum_.push_back(acc);
    if (in.flash_region) {
      facc += in.weight;
      flash_cum_.push_back(facc);
      flash_ingress_.push_back(i);
    }
  }
  if (absl::Status st = view_.Init(); !st.ok()) return st;

  const double end = sc().duration_s + sc().drain_s;
  q_.Push(0, EventKind::kReport);
  q_.Push(0, EventKind::kEpoch);
  q_.Push(sc().sample_s, EventKind::kSample);
  q_.Push(arrivals_.NextGap(setup_.demand_rps), EventKind::kArrival);
  if (sc().flash_start_s >= 0 && !flash_cum_.empty() && sc().flash_factor > 1) {
    q_.Push(sc().flash_start_s, EventKind::kFlashArrival);
  }
  for (uint32_t i = 0; i < ns; ++i) {
    if (setup_.sites[i].background_rps > 0) {
      q_.Push(bg_arrivals_[i].NextGap(setup_.sites[i].background_rps),
              EventKind::kBackgroundArrival, i);
    }
  }
  for (size_t k = 0; k < setup_.changes.size(); ++k) {
    q_.Push(setup_.changes[k].at_s, EventKind::kTopologyChange, 0, k);
    q_.Push(setup_.changes[k].at_s + sc().detect_delay_s, EventKind::kTopologyDetect, 0, k);
  }

  while (!q_.empty()) {
    const Event e = q_.Pop();
    if (e.time > end) break;
    if (e.time >= sc().duration_s && outstanding_ == 0) break;
    switch (e.kind) {
      case EventKind::kArrival:
        OnArrival(e.time);
        break;
      case EventKind::kFlashArrival:
        OnFlashArrival(e.time);
        break;
      case EventKind::kBackgroundArrival:
        OnBackground(e.a, e.time);
        break;
      case EventKind::kAtSite:
        OnAtSite(e.b, e.time);
        break;
      case EventKind::kServiceDone:
        OnServiceDone(e.a, e.b, e.c, e.time);
        break;
      case EventKind::kDone: {
        const Request& r = requests_[e.b];
        if (r.measured) {
          const double ms = (e.time - r.t0) * 1000.0;
          out_.completion_ms.push_back(ms);
          out_.excess_ms.push_back(ms - r.service_s * 1000.0);
          if (setup_.latency_bound_ms > 0 && ms > setup_.latency_bound_ms) ++out_.violations;
          --outstanding_;
        }
        break;
      }
      case EventKind::kRetry:
        Send(e.b, e.time);
        break;
      case EventKind::kReport:
        OnReport(e.time);
        break;
      case EventKind::kReportArrive:
        OnReportArrive(e.b);
        break;
      case EventKind::kEpoch:
        if (absl::Status st = Epoch(e.time); !st.ok()) return st;
        if (e.time + sc().epoch_s < end) q_.Push(e.time + sc().epoch_s, EventKind::kEpoch);
        break;
      case EventKind::kSample:
        OnSample(e.time);
        if (e.time + sc().sample_s < end) q_.Push(e.time + sc().sample_s, EventKind::kSample);
        break;
      case EventKind::kTopologyChange:
        OnChange(setup_.changes[e.b], e.time);
        break;
      case EventKind::kTopologyDetect:
        if (absl::Status st = OnDetect(setup_.changes[e.b], e.time); !st.ok()) return st;
        break;
    }
  }
  out_.unfinished = outstanding_;
  out_.flips = tracker_.flips();
  out_.oscillations = tracker_.oscillations();
  return std::move(out_);
}

}  // namespace

absl::StatusOr<RunResult> Simulate(const SimSetup& setup, Policy& policy,
                                   const SimOptions& options) {
  if (setup.model == nullptr || setup.workload == nullptr || setup.sites.empty() ||
      setup.ingresses.empty()) {
    return absl::InvalidArgumentError("simulation setup is incomplete (use BuildSetup)");
  }
  Run run(setup, policy, options);
  return run.Go();
}

}  // namespace cpn::lab::sim
