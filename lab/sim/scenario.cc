#include "lab/sim/scenario.h"

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace cpn::lab::sim {

std::vector<std::string> ScenarioNames() {
  return {"steady", "flash-crowd", "site-failure", "link-failure", "metrics-delay", "herding"};
}

absl::StatusOr<Scenario> NamedScenario(const std::string& name) {
  Scenario s;
  s.name = name;
  if (name == "steady") return s;
  if (name == "flash-crowd") {
    s.flash_start_s = 300;
    return s;
  }
  if (name == "site-failure") {
    s.site_fail_at_s = 300;
    s.site_recover_at_s = 450;
    return s;
  }
  if (name == "link-failure") {
    s.link_fail_at_s = 300;
    s.link_recover_at_s = 450;
    return s;
  }
  if (name == "metrics-delay") {
    s.metric_delay_s = 5;
    s.flash_start_s = 300;  // a change the delayed metrics must follow
    s.flash_factor = 3;
    return s;
  }
  if (name == "herding") {
    // Many ingresses of equal weight decide at once on the same reports.
    s.uniform_ingress = true;
    s.target_load = 0.75;
    s.metric_delay_s = 2;
    return s;
  }
  return absl::InvalidArgumentError(absl::StrFormat("unknown scenario \"%s\" (known: %s)", name,
                                                    absl::StrJoin(ScenarioNames(), ", ")));
}

absl::Status ValidateScenario(const Scenario& s) {
  auto bad = [&](const char* field, const char* what) {
    return absl::InvalidArgumentError(
        absl::StrFormat("scenario \"%s\": %s %s", s.name, field, what));
  };
  if (!(s.duration_s > 0)) return bad("duration_s", "must be > 0");
  if (!(s.warmup_s >= 0 && s.warmup_s < s.duration_s)) {
    return bad("warmup_s", "must be in [0, duration_s)");
  }
  if (!(s.drain_s >= 0)) return bad("drain_s", "must be >= 0");
  if (!(s.target_load > 0 && s.target_load < 10)) return bad("target_load", "must be in (0, 10)");
  if (!(s.background_share >= 0 && s.background_share < 1)) {
    return bad("background_share", "must be in [0, 1)");
  }
  if (!(s.link_background >= 0 && s.link_background < 1)) {
    return bad("link_background", "must be in [0, 1)");
  }
  if (!(s.hot_ingress_weight > 0)) return bad("hot_ingress_weight", "must be > 0");
  if (s.clients_per_ingress < 1) return bad("clients_per_ingress", "must be >= 1");
  if (!(s.connection_lifetime_s > 0)) return bad("connection_lifetime_s", "must be > 0");
  if (!(s.epoch_s > 0)) return bad("epoch_s", "must be > 0");
  if (!(s.report_interval_s > 0)) return bad("report_interval_s", "must be > 0");
  if (!(s.report_window_s >= s.report_interval_s)) {
    return bad("report_window_s", "must be >= report_interval_s");
  }
  if (!(s.metric_delay_s >= 0)) return bad("metric_delay_s", "must be >= 0");
  if (!(s.demand_window_s > 0)) return bad("demand_window_s", "must be > 0");
  if (!(s.demand_short_s > 0)) return bad("demand_short_s", "must be > 0");
  if (!(s.demand_jump_z > 0)) return bad("demand_jump_z", "must be > 0");
  if (!(s.detect_delay_s >= 0)) return bad("detect_delay_s", "must be >= 0");
  if (!(s.retry_timeout_s > 0)) return bad("retry_timeout_s", "must be > 0");
  if (!(s.flash_factor >= 1)) return bad("flash_factor", "must be >= 1");
  if (!(s.flash_duration_s > 0)) return bad("flash_duration_s", "must be > 0");
  if (!(s.flash_radius_ms >= 0)) return bad("flash_radius_ms", "must be >= 0");
  if (!(s.sample_s > 0)) return bad("sample_s", "must be > 0");
  if (!(s.util_window_s >= s.sample_s)) return bad("util_window_s", "must be >= sample_s");
  if (!(s.oscillation_window_s >= 0)) return bad("oscillation_window_s", "must be >= 0");
  return absl::OkStatus();
}

}  // namespace cpn::lab::sim
