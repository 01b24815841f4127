#include "controller/te/metric_state.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace cpn::te {

namespace {

bool NonNegativeFinite(double v) { return std::isfinite(v) && v >= 0; }

std::string PlacementName(const model::NetworkModel& model, size_t p) {
  const model::Placement& pl = model.placements()[p];
  return absl::StrFormat("site \"%s\" service \"%s\"", model.site(pl.site).id,
                         model.service(pl.service).id);
}

}  // namespace

absl::Status ValidateMetricState(const model::NetworkModel& model, const MetricState& state) {
  if (state.placements.size() > model.placements().size()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("metric state has %d placements, the model %d", state.placements.size(),
                        model.placements().size()));
  }
  if (state.arcs.size() > model.num_arcs()) {
    return absl::InvalidArgumentError(absl::StrFormat("metric state has %d arcs, the model %d",
                                                      state.arcs.size(), model.num_arcs()));
  }
  for (size_t p = 0; p < state.placements.size(); ++p) {
    const PlacementMetrics& m = state.placements[p];
    auto bad = [&](const char* field, double v, const char* want) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: %s %g must be %s", PlacementName(model, p), field, v, want));
    };
    if (m.available_servers && !NonNegativeFinite(*m.available_servers)) {
      return bad("available_servers", *m.available_servers, ">= 0");
    }
    if (m.background_rps && !NonNegativeFinite(*m.background_rps)) {
      return bad("background_rps", *m.background_rps, ">= 0");
    }
    if (m.busy_servers && !NonNegativeFinite(*m.busy_servers)) {
      return bad("busy_servers", *m.busy_servers, ">= 0");
    }
    if (m.utilization && !(NonNegativeFinite(*m.utilization) && *m.utilization <= 1.0)) {
      return bad("utilization", *m.utilization, "in [0, 1]");
    }
    if (!NonNegativeFinite(m.own_rps)) return bad("own_rps", m.own_rps, ">= 0");
    if (m.queue_length && !NonNegativeFinite(*m.queue_length)) {
      return bad("queue_length", *m.queue_length, ">= 0");
    }
    if (m.service_time_ms && !(std::isfinite(*m.service_time_ms) && *m.service_time_ms > 0)) {
      return bad("service_time_ms", *m.service_time_ms, "> 0");
    }
  }
  for (size_t a = 0; a < state.arcs.size(); ++a) {
    const double u = state.arcs[a].background_utilization;
    if (!NonNegativeFinite(u)) {
      const model::Link& link = model.link(model::LinkOf(model::ArcIndex(a)));
      return absl::InvalidArgumentError(
          absl::StrFormat("link \"%s\" (%s): background_utilization %g must be >= 0 and finite",
                          link.id, (a & 1) ? "b->a" : "a->b", u));
    }
  }
  return absl::OkStatus();
}

const char* FreshnessName(Freshness f) {
  switch (f) {
    case Freshness::kFresh:
      return "fresh";
    case Freshness::kStale:
      return "stale";
    case Freshness::kMissing:
      return "missing";
  }
  return "unknown";
}

double Confidence(absl::Time measured_at, absl::Time now, const StalenessOptions& options) {
  if (measured_at == absl::InfinitePast()) return 0.0;
  const absl::Duration age = std::max(absl::ZeroDuration(), now - measured_at);
  if (age <= options.fresh_age) return 1.0;
  if (age > options.max_age) return 0.0;
  const double tau = absl::ToDoubleSeconds(options.tau);
  if (tau <= 0) return 0.0;
  return std::exp(-absl::ToDoubleSeconds(age - options.fresh_age) / tau);
}

Freshness FreshnessOf(absl::Time measured_at, absl::Time now, const StalenessOptions& options) {
  if (measured_at == absl::InfinitePast()) return Freshness::kMissing;
  const absl::Duration age = std::max(absl::ZeroDuration(), now - measured_at);
  if (age <= options.fresh_age) return Freshness::kFresh;
  if (age > options.max_age) return Freshness::kMissing;
  return Freshness::kStale;
}

ResolvedMetrics ResolveMetrics(const model::NetworkModel& model, const MetricState& state,
                               absl::Time now, const StalenessOptions& options) {
  ResolvedMetrics out;
  const std::span<const model::Placement> placements = model.placements();
  out.placements.resize(placements.size());
  out.service_fallback.assign(model.services().size(), 1);
  std::vector<uint8_t> service_has_up(model.services().size(), 0);
  for (size_t p = 0; p < placements.size(); ++p) {
    const model::Placement& pl = placements[p];
    EffectivePlacement& e = out.placements[p];
    const PlacementMetrics none;
    const PlacementMetrics& m = p < state.placements.size() ? state.placements[p] : none;
    const double w = Confidence(m.measured_at, now, options);
    e.confidence = w;
    e.freshness = FreshnessOf(m.measured_at, now, options);
    e.age = m.reported() ? std::max(absl::ZeroDuration(), now - m.measured_at)
                         : absl::InfiniteDuration();

    const double nominal_servers = pl.servers;
    const double servers = m.available_servers
                               ? w * *m.available_servers + (1 - w) * nominal_servers
                               : nominal_servers;
    e.servers = static_cast<uint32_t>(std::max(0.0, std::floor(servers + 0.5)));
    const double nominal_st = pl.mean_service_time_ms;
    const double measured_st = m.service_time_ms.value_or(nominal_st);
    e.service_time_ms = w * measured_st + (1 - w) * nominal_st;

    // Reported background, in requests per second.
    std::optional<double> reported_bg;
    const double mu_measured = 1000.0 / measured_st;
    const double avail = m.available_servers.value_or(nominal_servers);
    if (m.background_rps) {
      reported_bg = *m.background_rps;
    } else if (m.busy_servers) {
      reported_bg = std::max(0.0, *m.busy_servers * mu_measured - m.own_rps);
    } else if (m.utilization) {
      reported_bg = std::max(0.0, *m.utilization * avail * mu_measured - m.own_rps);
    }
    // A backlog: the site must also serve the waiting requests, drained
    // over the horizon, so its load is the arrivals plus queue / horizon.
    const double horizon_s = absl::ToDoubleSeconds(options.backlog_drain_horizon);
    if (m.queue_length && *m.queue_length > 0 && horizon_s > 0) {
      const double drain = *m.queue_length / horizon_s;
      reported_bg = reported_bg.value_or(0.0) + drain;
      e.backlog_rps = w * drain;
    }
    const double nominal_bg = options.nominal_site_utilization * e.capacity_rps();
    e.background_rps = reported_bg ? w * *reported_bg + (1 - w) * nominal_bg : nominal_bg;
    // Without any load value the metrics say nothing about load.
    if (!reported_bg && !m.available_servers && !m.service_time_ms) {
      e.confidence = 0;
      e.freshness = Freshness::kMissing;
    }

    e.up = model.site(pl.site).up && e.servers > 0 && e.service_time_ms > 0;
    if (e.up) {
      service_has_up[pl.service.value()] = 1;
      if (e.freshness != Freshness::kMissing) out.service_fallback[pl.service.value()] = 0;
    }
  }
  for (size_t s = 0; s < service_has_up.size(); ++s) {
    if (!service_has_up[s]) out.service_fallback[s] = 0;
  }

  out.arcs.resize(model.num_arcs());
  const std::span<const uint8_t> in_service = model.arc_in_service();
  for (size_t a = 0; a < out.arcs.size(); ++a) {
    EffectiveArc& e = out.arcs[a];
    e.in_service = in_service[a] != 0;
    const ArcMetrics none;
    const ArcMetrics& m = a < state.arcs.size() ? state.arcs[a] : none;
    const double w = Confidence(m.measured_at, now, options);
    e.confidence = w;
    e.freshness = FreshnessOf(m.measured_at, now, options);
    e.background_utilization =
        w * m.background_utilization + (1 - w) * options.nominal_link_utilization;
  }
  return out;
}

namespace {

std::optional<double> Blend(const std::optional<double>& prev, const std::optional<double>& next,
                            double alpha) {
  if (!next) return std::nullopt;
  if (!prev) return next;
  return *prev + alpha * (*next - *prev);
}

}  // namespace

PlacementMetrics SmoothPlacementMetrics(const PlacementMetrics& previous,
                                        const PlacementMetrics& sample,
                                        const SmoothingOptions& options) {
  if (!previous.reported() || !sample.reported()) return sample;
  const double dt = absl::ToDoubleSeconds(sample.measured_at - previous.measured_at);
  const double tc = absl::ToDoubleSeconds(options.time_constant);
  if (dt <= 0) return previous.measured_at > sample.measured_at ? previous : sample;
  const double alpha = tc <= 0 ? 1.0 : 1.0 - std::exp(-dt / tc);
  PlacementMetrics out = sample;
  out.background_rps = Blend(previous.background_rps, sample.background_rps, alpha);
  out.busy_servers = Blend(previous.busy_servers, sample.busy_servers, alpha);
  out.utilization = Blend(previous.utilization, sample.utilization, alpha);
  out.service_time_ms = Blend(previous.service_time_ms, sample.service_time_ms, alpha);
  out.queue_length = Blend(previous.queue_length, sample.queue_length, alpha);
  out.available_servers = Blend(previous.available_servers, sample.available_servers, alpha);
  out.own_rps = previous.own_rps + alpha * (sample.own_rps - previous.own_rps);
  return out;
}

}  // namespace cpn::te
