#include "lab/runner/timeline.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lab/scenario/client_schedule.h"

namespace cpn::lab {

std::vector<TimelineAction> BuildTimeline(
    const ResolvedScenario& scenario,
    const std::map<std::string, std::vector<RatePoint>>& rate_traces) {
  using Kind = TimelineAction::Kind;
  const auto& sc = scenario.scenario;
  std::vector<TimelineAction> out;

  // Demand: every time a client's rate steps, the sum per (router, service).
  std::vector<std::vector<RatePoint>> schedules;
  std::set<double> times;
  for (const auto& c : sc.clients()) {
    const auto it = rate_traces.find(c.id());
    schedules.push_back(
        ClientSchedule(sc, c, it == rate_traces.end() ? std::vector<RatePoint>{} : it->second));
    for (const RatePoint& p : schedules.back()) times.insert(p.at_s);
  }
  std::map<std::pair<std::string, std::string>, double> last;
  for (double t : times) {
    std::map<std::pair<std::string, std::string>, double> now;
    for (int i = 0; i < sc.clients_size(); ++i) {
      const auto& c = sc.clients(i);
      if (c.services_size() == 0) continue;
      const double each = RateAt(schedules[i], t) / c.services_size();
      for (const std::string& s : c.services()) now[{c.router(), s}] += each;
    }
    for (const auto& [key, rps] : now) {
      const auto it = last.find(key);
      if (it != last.end() && it->second == rps) continue;
      out.push_back(
          TimelineAction{t, Kind::kDemand, key.first, key.second, rps,
                         absl::StrFormat("demand %s %s %.1f/s", key.first, key.second, rps)});
      last[key] = rps;
    }
  }

  for (const auto& e : sc.events()) {
    TimelineAction a;
    a.at_s = e.at_s();
    a.note = e.note();
    switch (e.event_case()) {
      case cpn::lab::v1::TimelineEvent::kLinkDown:
        a.kind = Kind::kLinkDown;
        a.target = e.link_down().link();
        break;
      case cpn::lab::v1::TimelineEvent::kLinkUp:
        a.kind = Kind::kLinkUp;
        a.target = e.link_up().link();
        break;
      case cpn::lab::v1::TimelineEvent::kSiteDown:
        a.kind = Kind::kSiteDown;
        a.target = e.site_down().site();
        break;
      case cpn::lab::v1::TimelineEvent::kSiteUp:
        a.kind = Kind::kSiteUp;
        a.target = e.site_up().site();
        break;
      case cpn::lab::v1::TimelineEvent::kMetricDelay:
        a.kind = Kind::kMetricDelay;
        a.target = e.metric_delay().site();
        a.value = e.metric_delay().delay_ms();
        break;
      case cpn::lab::v1::TimelineEvent::kControllerRestart: {
        a.kind = Kind::kControllerStop;
        out.push_back(a);
        a.kind = Kind::kControllerStart;
        a.at_s = e.at_s() + e.controller_restart().down_s();
        a.value = e.controller_restart().down_s();
        break;
      }
      default:
        continue;  // load surges are in the schedules
    }
    out.push_back(a);
  }
  std::stable_sort(out.begin(), out.end(), [](const TimelineAction& x, const TimelineAction& y) {
    if (x.at_s != y.at_s) return x.at_s < y.at_s;
    return x.kind == Kind::kDemand && y.kind != Kind::kDemand;
  });
  return out;
}

std::vector<MarkedEvent> MarkedEvents(const cpn::lab::v1::Scenario& scenario) {
  std::vector<MarkedEvent> out;
  for (const auto& e : scenario.events()) {
    MarkedEvent m{e.at_s(), e.at_s(), ""};
    switch (e.event_case()) {
      case cpn::lab::v1::TimelineEvent::kLoadSurge:
        m.to_s = std::min(scenario.duration_s(), e.at_s() + e.load_surge().duration_s());
        m.label = absl::StrFormat(
            "surge x%g %s", e.load_surge().factor(),
            e.load_surge().client().empty() ? e.load_surge().region() : e.load_surge().client());
        break;
      case cpn::lab::v1::TimelineEvent::kLinkDown:
        m.label = absl::StrCat(e.link_down().link(), " down");
        break;
      case cpn::lab::v1::TimelineEvent::kLinkUp:
        m.label = absl::StrCat(e.link_up().link(), " up");
        break;
      case cpn::lab::v1::TimelineEvent::kSiteDown:
        m.label = absl::StrCat(e.site_down().site(), " down");
        break;
      case cpn::lab::v1::TimelineEvent::kSiteUp:
        m.label = absl::StrCat(e.site_up().site(), " up");
        break;
      case cpn::lab::v1::TimelineEvent::kMetricDelay:
        m.label =
            absl::StrCat(e.metric_delay().site(), " metrics +", e.metric_delay().delay_ms(), " ms");
        break;
      case cpn::lab::v1::TimelineEvent::kControllerRestart:
        m.to_s = std::min(scenario.duration_s(), e.at_s() + e.controller_restart().down_s());
        m.label = "controller restart";
        break;
      default:
        continue;
    }
    out.push_back(m);
  }
  return out;
}

std::string ActionText(const TimelineAction& a) {
  using Kind = TimelineAction::Kind;
  switch (a.kind) {
    case Kind::kDemand:
      return absl::StrFormat("demand %s %s = %.1f/s", a.target, a.service, a.value);
    case Kind::kLinkDown:
      return absl::StrCat("link ", a.target, " down");
    case Kind::kLinkUp:
      return absl::StrCat("link ", a.target, " up");
    case Kind::kSiteDown:
      return absl::StrCat("site ", a.target, " down");
    case Kind::kSiteUp:
      return absl::StrCat("site ", a.target, " up");
    case Kind::kMetricDelay:
      return absl::StrFormat("site %s metric delay %g ms", a.target, a.value);
    case Kind::kControllerStop:
      return "controller killed (SIGKILL)";
    case Kind::kControllerStart:
      return absl::StrFormat("controller started again (down %g s)", a.value);
  }
  return "?";
}

}  // namespace cpn::lab
