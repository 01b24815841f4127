#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "lab/scenario/validate_context.h"

namespace cpn::lab::validate_internal {

void CheckRate(const v1::RateSchedule& r, double duration_s, const FieldPath& at,
               const std::string& who, Problems& p) {
  switch (r.schedule_case()) {
    case v1::RateSchedule::kConstant:
      if (!NonNegative(r.constant().rps()))
        p.Add(Join(Join(at, "constant"), "rps"), who + ": rate must be >= 0 requests/s");
      break;
    case v1::RateSchedule::kPiecewise: {
      const auto& steps = r.piecewise().steps();
      const FieldPath pw = Join(at, "piecewise");
      if (steps.empty()) p.Add(pw, who + ": piecewise rate has no steps");
      for (int i = 0; i < steps.size(); ++i) {
        const FieldPath s = Join(pw, "steps", i);
        if (!NonNegative(steps[i].rps()))
          p.Add(Join(s, "rps"), who + ": rate must be >= 0 requests/s");
        if (!NonNegative(steps[i].at_s())) {
          p.Add(Join(s, "at_s"), who + ": step time must be >= 0 s");
        } else if (i == 0 && steps[i].at_s() != 0) {
          p.Add(Join(s, "at_s"), who + ": the first step must be at 0 s");
        } else if (i > 0 && steps[i].at_s() <= steps[i - 1].at_s()) {
          p.Add(Join(s, "at_s"), who + ": step times must increase");
        } else if (steps[i].at_s() >= duration_s && duration_s > 0) {
          p.Add(Join(s, "at_s"),
                absl::StrCat(who, ": step at ", steps[i].at_s(),
                             " s is not before the end (duration_s ", duration_s, ")"));
        }
      }
      break;
    }
    case v1::RateSchedule::kTrace:
      if (r.trace().path().empty())
        p.Add(Join(Join(at, "trace"), "path"), who + ": trace path is empty");
      break;
    case v1::RateSchedule::SCHEDULE_NOT_SET:
      p.Add(at, who + ": no rate (constant, piecewise or trace)");
      break;
  }
}

void CheckClients(Context& c, std::set<std::string>& regions) {
  std::set<std::string> ids;
  std::set<std::string> hosted;
  for (const auto& site : c.out.topology.sites())
    for (const auto& cap : site.capacities()) hosted.insert(cap.service_id());
  for (int i = 0; i < c.s.clients_size(); ++i) {
    const v1::ClientSpec& spec = c.s.clients(i);
    const FieldPath at = {{"clients", i}};
    const std::string who = absl::StrCat("client ", Q(spec.id()));
    if (!ValidId(spec.id())) {
      c.p.Add(Join(at, "id"), absl::StrCat("client id ", Q(spec.id()),
                                           " must be letters, digits, '-', '_' or '.'"));
    } else if (!ids.insert(spec.id()).second) {
      c.p.Add(Join(at, "id"), who + ": defined twice");
    }
    if (!c.routers.count(spec.router())) {
      c.p.Add(Join(at, "router"), absl::StrCat(who, ": unknown router ", Q(spec.router()),
                                               " (routers: ", Known(c.routers), ")"));
    } else {
      for (auto& r : *c.out.topology.mutable_routers())
        if (r.id() == spec.router()) AddRole(r, tv1::ROUTER_ROLE_INGRESS);
    }
    if (spec.services().empty()) c.p.Add(Join(at, "services"), who + ": requests no service");
    for (int k = 0; k < spec.services_size(); ++k) {
      if (!hosted.count(spec.services(k))) {
        c.p.Add(Join(at, "services", k),
                absl::StrCat(who, ": service ", Q(spec.services(k)),
                             " is served by no site (served: ", Known(hosted), ")"));
      }
    }
    CheckRate(spec.rate(), c.s.duration_s(), Join(at, "rate"), who, c.p);
    if (!spec.region().empty()) regions.insert(spec.region());
  }
}

void CheckReachability(Context& c) {
  std::map<std::string, std::vector<std::string>> adj;
  for (const auto& l : c.out.topology.links()) {
    adj[l.a().router_id()].push_back(l.b().router_id());
    adj[l.b().router_id()].push_back(l.a().router_id());
  }
  for (int i = 0; i < c.s.clients_size(); ++i) {
    const v1::ClientSpec& spec = c.s.clients(i);
    if (!c.routers.count(spec.router())) continue;
    std::set<std::string> seen = {spec.router()};
    std::deque<std::string> todo = {spec.router()};
    while (!todo.empty()) {
      std::string r = todo.front();
      todo.pop_front();
      for (const std::string& n : adj[r])
        if (seen.insert(n).second) todo.push_back(n);
    }
    for (int k = 0; k < spec.services_size(); ++k) {
      bool reachable = false, hosted = false;
      for (const auto& site : c.out.topology.sites())
        for (const auto& cap : site.capacities())
          if (cap.service_id() == spec.services(k)) {
            hosted = true;
            reachable = reachable || seen.count(site.attachment().router_id());
          }
      if (hosted && !reachable) {
        c.p.Add({{"clients", i}, {"services", k}},
                absl::StrCat("client ", Q(spec.id()), ": no site serving ", Q(spec.services(k)),
                             " is reachable from router ", Q(spec.router())));
      }
    }
  }
}

void CheckEvents(Context& c, const std::set<std::string>& regions) {
  std::set<std::string> clients, sites, links;
  for (const auto& x : c.s.clients()) clients.insert(x.id());
  for (const auto& x : c.s.sites()) sites.insert(x.id());
  for (const auto& x : c.out.links) links.insert(x.id);
  const double end = c.s.duration_s();
  for (int i = 0; i < c.s.events_size(); ++i) {
    const v1::TimelineEvent& e = c.s.events(i);
    const FieldPath at = {{"events", i}};
    const std::string who = absl::StrCat("event at ", e.at_s(), " s");
    if (!NonNegative(e.at_s())) {
      c.p.Add(Join(at, "at_s"), who + ": time must be >= 0 s");
    } else if (Positive(end) && e.at_s() >= end) {
      c.p.Add(Join(at, "at_s"),
              absl::StrCat(who, ": beyond the end of the run (duration_s ", end, ")"));
    }
    auto site_ref = [&](const char* kind, const std::string& site) {
      if (!sites.count(site))
        c.p.Add(Join(Join(at, kind), "site"),
                absl::StrCat(who, ": unknown site ", Q(site), " (sites: ", Known(sites), ")"));
    };
    auto link_ref = [&](const char* kind, const std::string& link) {
      if (!links.count(link))
        c.p.Add(Join(Join(at, kind), "link"),
                absl::StrCat(who, ": unknown link ", Q(link), " (links: ", Known(links), ")"));
    };
    switch (e.event_case()) {
      case v1::TimelineEvent::kLoadSurge: {
        const v1::LoadSurge& s = e.load_surge();
        const FieldPath sat = Join(at, "load_surge");
        if (s.has_client() && !clients.count(s.client())) {
          c.p.Add(Join(sat, "client"), absl::StrCat(who, ": unknown client ", Q(s.client()),
                                                    " (clients: ", Known(clients), ")"));
        } else if (s.has_region() && !regions.count(s.region())) {
          c.p.Add(Join(sat, "region"), absl::StrCat(who, ": no client is in region ", Q(s.region()),
                                                    " (regions: ", Known(regions), ")"));
        } else if (s.target_case() == v1::LoadSurge::TARGET_NOT_SET) {
          c.p.Add(sat, who + ": load_surge needs a client or a region");
        }
        if (!Positive(s.factor())) c.p.Add(Join(sat, "factor"), who + ": factor must be > 0");
        if (!Positive(s.duration_s()))
          c.p.Add(Join(sat, "duration_s"), who + ": duration must be > 0 s");
        break;
      }
      case v1::TimelineEvent::kLinkDown:
        link_ref("link_down", e.link_down().link());
        break;
      case v1::TimelineEvent::kLinkUp:
        link_ref("link_up", e.link_up().link());
        break;
      case v1::TimelineEvent::kSiteDown:
        site_ref("site_down", e.site_down().site());
        break;
      case v1::TimelineEvent::kSiteUp:
        site_ref("site_up", e.site_up().site());
        break;
      case v1::TimelineEvent::kMetricDelay:
        site_ref("metric_delay", e.metric_delay().site());
        break;
      case v1::TimelineEvent::kControllerRestart: {
        const double down = e.controller_restart().down_s();
        const FieldPath dat = Join(Join(at, "controller_restart"), "down_s");
        if (!NonNegative(down)) {
          c.p.Add(dat, who + ": down_s must be >= 0 s");
        } else if (NonNegative(e.at_s()) && Positive(end) && e.at_s() < end &&
                   e.at_s() + down >= end) {
          c.p.Add(dat, absl::StrCat(who, ": the controller would be down until ", e.at_s() + down,
                                    " s, not before the end of the run (duration_s ", end, ")"));
        }
        break;
      }
      case v1::TimelineEvent::EVENT_NOT_SET:
        c.p.Add(at, who +
                        ": no event (load_surge, link_down, link_up, site_down, site_up, "
                        "metric_delay or controller_restart)");
        break;
    }
  }
  CheckControllerRestarts(c.s, c.p);
}

void CheckControllerRestarts(const v1::Scenario& s, Problems& p) {
  // Restarts in time order: each must begin once the previous one is over
  // (the controller cannot be killed while it is down).
  std::vector<int> restarts;
  for (int i = 0; i < s.events_size(); ++i) {
    const v1::TimelineEvent& e = s.events(i);
    if (e.has_controller_restart() && NonNegative(e.at_s()) &&
        NonNegative(e.controller_restart().down_s()))
      restarts.push_back(i);
  }
  std::stable_sort(restarts.begin(), restarts.end(),
                   [&](int x, int y) { return s.events(x).at_s() < s.events(y).at_s(); });
  for (size_t k = 1; k < restarts.size(); ++k) {
    const v1::TimelineEvent& prev = s.events(restarts[k - 1]);
    const v1::TimelineEvent& e = s.events(restarts[k]);
    const double back = prev.at_s() + prev.controller_restart().down_s();
    if (e.at_s() < back) {
      p.Add({{"events", restarts[k]}, {"at_s", -1}},
            absl::StrCat("event at ", e.at_s(),
                         " s: controller restart while the controller is "
                         "still down from the restart at ",
                         prev.at_s(), " s (events[", restarts[k - 1], "], back at ", back, " s)"));
    }
  }
}

}  // namespace cpn::lab::validate_internal
