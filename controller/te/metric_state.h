// MetricState: the live measurements the joint decision rests on (compute
// metrics per placement, background utilisation per arc), and how their age
// discounts them.
//
// A metric's influence decays with its age: it is used as reported while
// younger than `fresh_age`, then blended toward a nominal value with
// confidence exp(-(age - fresh_age) / tau), and ignored (confidence 0)
// beyond `max_age`. When every up placement of a service has no usable
// metrics the decision for that service falls back to the static capacity
// weights (Placement::static_weight); see ResolvedMetrics::service_fallback.
//
// Time is passed in (no clocks). Value types and pure functions; safe from
// any thread.
#ifndef CPN_CONTROLLER_TE_METRIC_STATE_H_
#define CPN_CONTROLLER_TE_METRIC_STATE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "controller/model/index.h"
#include "controller/model/network_model.h"

namespace cpn::te {

// The latest compute metrics of one placement (a service at a site), as the
// ingestion layer keeps them. Every value is optional; a missing one takes
// the configured (nominal) value.
struct PlacementMetrics {
  // When the values were measured at the site. InfinitePast: never reported.
  absl::Time measured_at = absl::InfinitePast();
  // Servers in service (may be below the configured Placement::servers; 0
  // takes the placement out of service).
  std::optional<double> available_servers;
  // The load, by the first of these that is set:
  //   background_rps: arrivals per second that do NOT come from CPN's own
  //     steered demand (other entry points, local users);
  //   busy_servers or utilization (busy share of the available servers):
  //     all traffic; CPN's own share `own_rps` is subtracted:
  //     background = max(0, busy * µ - own_rps).
  std::optional<double> background_rps;
  std::optional<double> busy_servers;
  std::optional<double> utilization;
  // CPN-steered arrivals (req/s) included in busy_servers / utilization when
  // they were measured (from the ingress policy counters).
  double own_rps = 0;
  // Measured mean service time of one request, milliseconds (1/µ).
  std::optional<double> service_time_ms;
  // Requests waiting for a server at measured_at (CATS QUEUE_LENGTH); its
  // drain rate raises the effective load (EffectivePlacement::backlog_rps).
  std::optional<double> queue_length;

  bool reported() const { return measured_at != absl::InfinitePast(); }
};

// Load of one directed arc from traffic other than CPN's steered demand,
// from the dataplane's port counters.
struct ArcMetrics {
  absl::Time measured_at = absl::InfinitePast();
  // Ratio of the arc's capacity (>= 0; may exceed 1 when overbooked).
  double background_utilization = 0;

  bool reported() const { return measured_at != absl::InfinitePast(); }
};

struct MetricState {
  // By PlacementIndex; may be shorter than the model's placements (the rest
  // never reported).
  std::vector<PlacementMetrics> placements;
  // By ArcIndex; may be shorter than num_arcs() (the rest never reported).
  std::vector<ArcMetrics> arcs;
};

// Checks values: sizes within the model, counts and rates >= 0 and finite,
// utilisation in [0, 1], service time > 0. INVALID_ARGUMENT naming the
// site, service or link and the field.
absl::Status ValidateMetricState(const model::NetworkModel& model, const MetricState& state);

struct StalenessOptions {
  // Metrics younger than this are used as reported.
  absl::Duration fresh_age = absl::Seconds(2);
  // Time constant of the confidence decay after fresh_age.
  absl::Duration tau = absl::Seconds(10);
  // Metrics older than this are ignored (confidence 0, freshness kMissing).
  absl::Duration max_age = absl::Seconds(30);
  // Background utilisation (share of the placement's capacity c·µ) assumed
  // for a placement without usable metrics, the value aging metrics blend
  // toward.
  double nominal_site_utilization = 0.5;
  // The same for arcs without usable counters.
  double nominal_link_utilization = 0.0;
  // A reported queue of Q waiting requests adds Q / backlog_drain_horizon
  // to the placement's load (the rate at which the backlog must be served
  // to be gone within the horizon); zero or negative: queues are ignored.
  absl::Duration backlog_drain_horizon = absl::Seconds(10);
};

// How current a metric is (values as cpn.controller.v1.MetricsFreshness).
enum class Freshness : uint8_t {
  kFresh = 1,    // younger than fresh_age: used as reported
  kStale = 2,    // between fresh_age and max_age: discounted by age
  kMissing = 3,  // never reported or older than max_age: nominal value
};
const char* FreshnessName(Freshness f);

// The confidence in a metric measured at `measured_at`, seen at `now`:
// 1 up to fresh_age, exp(-(age - fresh_age)/tau) up to max_age, 0 beyond
// (and 0 when never reported). Timestamps in the future count as age 0.
double Confidence(absl::Time measured_at, absl::Time now, const StalenessOptions& options);
Freshness FreshnessOf(absl::Time measured_at, absl::Time now, const StalenessOptions& options);

// The values one placement is modelled with after age discounting.
struct EffectivePlacement {
  // Site admin up and at least one server available.
  bool up = true;
  // Servers c of the M/M/c queue (a whole number, >= 0).
  uint32_t servers = 0;
  // Mean service time 1/µ, milliseconds.
  double service_time_ms = 0;
  // Background arrivals (not CPN's demand), requests per second, including
  // backlog_rps.
  double background_rps = 0;
  // What the reported backlog adds to the load (req/s, >= 0, after age
  // discounting): queue_length / backlog_drain_horizon, the rate at which
  // the waiting requests must be served to be gone within the horizon. A
  // site draining a queue does not look idle to the optimiser.
  double backlog_rps = 0;
  // Weight of the reported values against the nominal ones, 0..1.
  double confidence = 0;
  Freshness freshness = Freshness::kMissing;
  // Age of the metrics; InfiniteDuration when never reported.
  absl::Duration age = absl::InfiniteDuration();

  // Capacity c·µ, requests per second.
  double capacity_rps() const {
    return service_time_ms > 0 ? servers * 1000.0 / service_time_ms : 0;
  }
  bool operator==(const EffectivePlacement&) const = default;
};

struct EffectiveArc {
  // The arc can carry traffic (link and both routers up).
  bool in_service = true;
  double background_utilization = 0;
  double confidence = 0;
  Freshness freshness = Freshness::kMissing;

  bool operator==(const EffectiveArc&) const = default;
};

struct ResolvedMetrics {
  std::vector<EffectivePlacement> placements;  // by PlacementIndex
  std::vector<EffectiveArc> arcs;              // by ArcIndex
  // By ServiceIndex: 1 when no up placement of the service has usable
  // metrics (every one kMissing): its demands use static weights.
  std::vector<uint8_t> service_fallback;
};

// Resolves `state` at time `now`: applies age discounting and defaults.
// Effective value = c·reported + (1 - c)·nominal with c = Confidence(); the
// nominal background is nominal_site_utilization of the blended capacity,
// servers are rounded to the nearest whole number. A reported queue adds
// its drain rate (EffectivePlacement::backlog_rps). `state` must be valid
// (ValidateMetricState).
ResolvedMetrics ResolveMetrics(const model::NetworkModel& model, const MetricState& state,
                               absl::Time now, const StalenessOptions& options);

// Input smoothing: exponentially weighted moving average of the load,
// queue length and service time of successive reports of one placement, with weight
// 1 - exp(-dt / time_constant) on the newer report (dt between their
// measured_at). Damps flapping inputs before they reach the optimiser; a
// step change is followed within a few time constants. The first report
// (previous never reported) is taken as is. Load fields are compared in the
// form the newer report uses (background_rps, else busy servers).
struct SmoothingOptions {
  absl::Duration time_constant = absl::Seconds(2);
};
PlacementMetrics SmoothPlacementMetrics(const PlacementMetrics& previous,
                                        const PlacementMetrics& sample,
                                        const SmoothingOptions& options);

}  // namespace cpn::te

#endif  // CPN_CONTROLLER_TE_METRIC_STATE_H_
