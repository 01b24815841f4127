#include "controller/telemetry/controller_metrics.h"

#include <array>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/telemetry/prometheus_text.h"

namespace cpn::controller_telemetry {

namespace cv1 = cpn::controller::v1;
using telemetry::Labels;
using telemetry::MetricType;
using telemetry::PrometheusText;

namespace {

double Seconds(const google::protobuf::Duration& d) {
  return static_cast<double>(d.seconds()) + d.nanos() / 1e9;
}

Labels SiteLabels(const cv1::SiteState& s) {
  return {{"site", s.site_id()}, {"service", s.service_id()}};
}

}  // namespace

absl::StatusOr<std::string> RenderControllerMetrics(const ControllerMetricsInput& in) {
  PrometheusText t;
  constexpr MetricType kGauge = MetricType::kGauge;
  constexpr MetricType kCounter = MetricType::kCounter;
  RETURN_IF_ERROR(t.BeginFamily("cpn_controller_info", "This controller: its id (label), 1.",
                                kGauge));
  RETURN_IF_ERROR(t.Sample({{"controller_id", in.controller_id}}, uint64_t{1}));

  if (in.decisions != nullptr) {
    const api::DecisionSet& set = *in.decisions;
    const cv1::SolverSummary& solver = set.solver;
    RETURN_IF_ERROR(t.BeginFamily("cpn_controller_epochs_total",
                                  "Decision epochs run (the current epoch number).",
                                  MetricType::kCounter));
    RETURN_IF_ERROR(t.Sample({}, set.epoch));
    RETURN_IF_ERROR(t.BeginFamily("cpn_controller_model_generation",
                                  "Generation of the model the decisions were made on.", kGauge));
    RETURN_IF_ERROR(t.Sample({}, set.model_generation));

    std::array<uint64_t, 7> by_basis{};
    for (const api::DecisionRecord& r : set.records) {
      const int b = static_cast<int>(r.decision.basis());
      if (b >= 0 && b < static_cast<int>(by_basis.size())) ++by_basis[b];
    }
    RETURN_IF_ERROR(t.BeginFamily("cpn_controller_decisions",
                                  "Decisions in force, by how they were made.", kGauge));
    for (int b = 1; b < static_cast<int>(by_basis.size()); ++b) {
      RETURN_IF_ERROR(t.Sample(
          {{"basis", telemetry::EnumLabelValue(cv1::DecisionBasis_Name(static_cast<cv1::DecisionBasis>(b)),
                               "DECISION_BASIS_")}},
          by_basis[b]));
    }
    RETURN_IF_ERROR(t.BeginFamily("cpn_controller_decisions_changed",
                                  "Decisions whose weights changed in the last epoch.", kGauge));
    RETURN_IF_ERROR(t.Sample({}, static_cast<uint64_t>(in.changed_decisions)));
    RETURN_IF_ERROR(t.BeginFamily("cpn_controller_solve_duration_seconds",
                                  "Wall time of the last epoch's solve.", kGauge));
    RETURN_IF_ERROR(t.Sample({}, Seconds(solver.solve_duration())));
    RETURN_IF_ERROR(t.BeginFamily("cpn_controller_solver_iterations",
                                  "Iterations of the last solve.", kGauge));
    RETURN_IF_ERROR(t.Sample({}, static_cast<uint64_t>(solver.iterations())));
    RETURN_IF_ERROR(t.BeginFamily("cpn_controller_solver_relative_gap",
                                  "Relative duality gap at the end of the last solve.", kGauge));
    RETURN_IF_ERROR(t.Sample({}, solver.relative_gap()));
    RETURN_IF_ERROR(t.BeginFamily(
        "cpn_controller_objective",
        "Sum over demands of rate x expected completion time, requests/s x ms.", kGauge));
    RETURN_IF_ERROR(t.Sample({}, solver.objective_value()));

    if (!set.site_states.empty()) {
      struct SiteField {
        const char* name;
        const char* help;
        double (*get)(const cv1::SiteState&);
      };
      const SiteField fields[] = {
          {"cpn_site_utilization_ratio", "Expected utilisation (background + CPN), ratio.",
           [](const cv1::SiteState& s) { return s.utilization(); }},
          {"cpn_site_assigned_requests_per_second", "Requests/s CPN's decisions send to the site.",
           [](const cv1::SiteState& s) { return s.assigned_rate_rps(); }},
          {"cpn_site_background_requests_per_second",
           "Requests/s the site serves besides CPN's (from metrics).",
           [](const cv1::SiteState& s) { return s.background_rate_rps(); }},
          {"cpn_site_servers", "Servers of the service at the site.",
           [](const cv1::SiteState& s) { return static_cast<double>(s.servers()); }},
          {"cpn_site_expected_wait_seconds", "Expected compute queueing wait.",
           [](const cv1::SiteState& s) { return s.expected_wait_ms() / 1000.0; }},
          {"cpn_site_metrics_age_seconds",
           "Age of the last metric report (-1: none).",
           [](const cv1::SiteState& s) { return s.has_age() ? Seconds(s.age()) : -1.0; }},
      };
      for (const SiteField& f : fields) {
        RETURN_IF_ERROR(t.BeginFamily(f.name, f.help, kGauge));
        for (const cv1::SiteState& s : set.site_states) {
          RETURN_IF_ERROR(t.Sample(SiteLabels(s), f.get(s)));
        }
      }
      RETURN_IF_ERROR(t.BeginFamily(
          "cpn_site_metrics_freshness",
          "1 for the freshness of the site's metrics (fresh, stale, missing).", kGauge));
      for (const cv1::SiteState& s : set.site_states) {
        Labels l = SiteLabels(s);
        l.emplace_back("freshness", telemetry::EnumLabelValue(cv1::MetricsFreshness_Name(s.freshness()),
                                              "METRICS_FRESHNESS_"));
        RETURN_IF_ERROR(t.Sample(l, uint64_t{1}));
      }
    }

    if (!set.link_states.empty()) {
      struct LinkField {
        const char* name;
        const char* help;
        double (*get)(const cv1::LinkLoad&);
      };
      const LinkField fields[] = {
          {"cpn_link_utilization_ratio", "Utilisation of the direction (measured when counters report it), ratio.",
           [](const cv1::LinkLoad& l) { return l.utilization(); }},
          {"cpn_link_planned_bytes_per_second", "Bytes/s CPN's decisions put on the direction.",
           [](const cv1::LinkLoad& l) { return l.planned_rate_bps() / 8; }},
          {"cpn_link_queueing_delay_seconds", "Expected queueing delay of the direction.",
           [](const cv1::LinkLoad& l) { return l.queueing_delay_ms() / 1000.0; }},
      };
      for (const LinkField& f : fields) {
        RETURN_IF_ERROR(t.BeginFamily(f.name, f.help, kGauge));
        for (const cv1::LinkState& l : set.link_states) {
          RETURN_IF_ERROR(t.Sample({{"link", l.link_id()}, {"direction", "a_to_b"}}, f.get(l.a_to_b())));
          RETURN_IF_ERROR(t.Sample({{"link", l.link_id()}, {"direction", "b_to_a"}}, f.get(l.b_to_a())));
        }
      }
    }
  }

  if (!in.sessions.empty()) {
    RETURN_IF_ERROR(t.BeginFamily(
        "cpn_southbound_session_state",
        "1 for the state of the session with each dataplane (primary, backup, connecting, "
        "disconnected, ...).",
        kGauge));
    for (const cv1::DataplaneSession& s : in.sessions) {
      RETURN_IF_ERROR(t.Sample(
          {{"router", s.router_id()},
           {"state", telemetry::EnumLabelValue(cv1::SessionState_Name(s.state()), "SESSION_STATE_")}},
          uint64_t{1}));
    }
    RETURN_IF_ERROR(t.BeginFamily("cpn_southbound_pending_updates",
                                  "Updates still to write to bring the dataplane to the desired "
                                  "state.",
                                  kGauge));
    for (const cv1::DataplaneSession& s : in.sessions) {
      RETURN_IF_ERROR(t.Sample({{"router", s.router_id()}},
                               static_cast<uint64_t>(s.pending_updates())));
    }
    RETURN_IF_ERROR(t.BeginFamily("cpn_southbound_installed_version",
                                  "State version the dataplane reports installed.", kGauge));
    for (const cv1::DataplaneSession& s : in.sessions) {
      RETURN_IF_ERROR(t.Sample({{"router", s.router_id()}}, s.installed_version()));
    }
    RETURN_IF_ERROR(t.BeginFamily("cpn_southbound_desired_version",
                                  "State version the controller wants installed.", kGauge));
    for (const cv1::DataplaneSession& s : in.sessions) {
      RETURN_IF_ERROR(t.Sample({{"router", s.router_id()}}, s.desired_version()));
    }
    RETURN_IF_ERROR(t.BeginFamily("cpn_southbound_last_write_age_seconds",
                                  "Time since the last successful write (-1: none).", kGauge));
    for (const cv1::DataplaneSession& s : in.sessions) {
      const double age =
          s.has_last_write_at()
              ? absl::ToDoubleSeconds(in.now - absl::FromUnixSeconds(s.last_write_at().seconds()) -
                                      absl::Nanoseconds(s.last_write_at().nanos()))
              : -1.0;
      RETURN_IF_ERROR(t.Sample({{"router", s.router_id()}}, age));
    }
  }
  if (!in.write_stats.empty()) {
    // Mean write latency: rate(..._write_seconds_total) / rate(..._writes_total).
    RETURN_IF_ERROR(t.BeginFamily("cpn_southbound_writes_total",
                                  "Successful southbound Write calls.", kCounter));
    for (const auto& [router, w] : in.write_stats) {
      RETURN_IF_ERROR(t.Sample({{"router", router}}, w.writes));
    }
    RETURN_IF_ERROR(t.BeginFamily("cpn_southbound_write_seconds_total",
                                  "Time spent in southbound Write calls.", kCounter));
    for (const auto& [router, w] : in.write_stats) {
      RETURN_IF_ERROR(t.Sample({{"router", router}}, w.write_seconds));
    }
    RETURN_IF_ERROR(t.BeginFamily("cpn_southbound_apply_seconds_total",
                                  "Part of the Write time the dataplane spent applying the batch.",
                                  kCounter));
    for (const auto& [router, w] : in.write_stats) {
      RETURN_IF_ERROR(t.Sample({{"router", router}}, w.apply_seconds));
    }
  }
  return t.text();
}

}  // namespace cpn::controller_telemetry
